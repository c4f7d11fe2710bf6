// The part of ConvNetJS 0.3.0 (untyped, CommonJS) the benchmark uses.
declare module 'convnetjs' {
  export class Vol {
    constructor(sx: number, sy: number, depth: number, c?: number);
    w: Float64Array;
  }
  export class Net {
    makeLayers(defs: Record<string, unknown>[]): void;
  }
  export class Trainer {
    constructor(net: Net, options: Record<string, unknown>);
    train(x: Vol, label: number): { loss: number };
  }
  const convnetjs: { Vol: typeof Vol; Net: typeof Net; Trainer: typeof Trainer };
  export default convnetjs;
}
