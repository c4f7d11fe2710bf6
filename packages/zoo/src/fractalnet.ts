import {
  Activation,
  BatchNormalization,
  Conv2D,
  Dense,
  Dropout,
  Flatten,
  input,
  type Layer,
  MaxPooling2D,
  Model,
  type SymbolicTensor,
} from '@cnn/layers';
import { type ClassifierOptions, classifierShape, finish, positiveInteger, ZooError } from './common';
import { DropPathSampler, FractalJoin } from './fractal_join';

/** Options of {@link fractalnet}. */
export interface FractalNetOptions extends ClassifierOptions {
  /** B: blocks, each followed by 2×2 max pooling. Default 5 (the paper's CIFAR networks). */
  blocks?: number;
  /** C: columns; block depth 2^(C−1) convolutions. Default 3 (the 20-layer network). */
  columns?: number;
  /** Filters of each block's convolutions. Default [64, 128, 256, 512, 512] (cut to `blocks`). */
  widths?: readonly number[];
  /** Local drop-path rate of each join. Default 0.15 (the paper's). */
  dropPath?: number;
  /** Share of training steps that keep a single column (global drop-path). Default 0.5. */
  globalRatio?: number;
  /** Dropout after each convolution, by block (the paper's "+dropout": [0, 0.1, 0.2, 0.3, 0.4]). Default none. */
  dropout?: readonly number[];
}

/**
 * FractalNet (Larsson, Maire & Shakhnarovich 2017): B blocks of the fractal f_C, where f_1(z) = conv(z)
 * and f_{C+1}(z) = join(f_C ∘ f_C (z), conv(z)), joins being means (Fig. 1), each block followed by 2×2
 * max pooling, then a fully connected `fc` (logits). A convolution unit is 3×3 conv, (dropout), BN, ReLU.
 * Training drops paths: each step is local (each {@link FractalJoin} drops inputs with `dropPath`) or, with
 * probability `globalRatio`, global (one column throughout), drawn by a {@link DropPathSampler}.
 *
 * Names: `block2.col3.conv4` is the 4th unit of column 3 (1 = shallowest, C = deepest, with 2^(c−1)
 * units) in block 2, with `_drop`, `_bn`, `_relu` after it; `block2.join1`… the inner joins, `block2` the
 * block's output join, `block2.pool`. {@link fractalColumn} cuts one column out as its own network.
 *
 * @example
 * ```ts
 * const net = fractalnet({ blocks: 4, columns: 3, inputShape: [28, 28, 1], widths: [16, 32, 64, 64] });
 * const deepest = fractalColumn(net);   // 4 · 4 conv layers, sharing net's weights
 * ```
 */
export function fractalnet(options: FractalNetOptions = {}): Model {
  const blocks = positiveInteger('fractalnet', 'blocks', options.blocks ?? 5);
  const columns = positiveInteger('fractalnet', 'columns', options.columns ?? 3);
  const { inputShape, classes } = classifierShape('fractalnet', options, {
    inputShape: [32, 32, 3],
    classes: 10,
    minSide: 2 ** blocks,
  });
  const widths = options.widths ?? [64, 128, 256, 512, 512, 512, 512, 512].slice(0, blocks);
  if (widths.length !== blocks) {
    throw new ZooError(`fractalnet: widths must give ${blocks} block widths, got ${widths.length}`);
  }
  const x = input({ shape: inputShape, name: 'input' });
  const sampler = new DropPathSampler({
    columns,
    globalRatio: options.globalRatio,
    name: 'drop_path_sampler',
  });
  let h = sampler.apply(x);
  for (let b = 1; b <= blocks; b++) {
    const made = new Map<number, number>(); // units made so far per column: their numbers in depth order
    let joins = 0;
    const unit = (z: SymbolicTensor, column: number): SymbolicTensor => {
      const k = (made.get(column) ?? 0) + 1;
      made.set(column, k);
      const name = `block${b}.col${column}.conv${k}`;
      let u = new Conv2D({
        filters: widths[b - 1]!,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        name,
      }).apply(z);
      const rate = options.dropout?.[b - 1] ?? 0;
      if (rate > 0) u = new Dropout({ rate, name: `${name}_drop` }).apply(u);
      u = new BatchNormalization({ name: `${name}_bn`, epsilon: 1e-5, momentum: 0.9 }).apply(u);
      return new Activation({ activation: 'relu', name: `${name}_relu` }).apply(u);
    };
    const join = (parts: readonly [SymbolicTensor, number][], name: string) =>
      new FractalJoin({
        sampler,
        rate: options.dropPath ?? 0.15,
        inputColumns: parts.map((p) => p[1]),
        name,
      }).apply(parts.map((p) => p[0]));
    // f_c on z for columns first … first + c − 1: the column outputs before their common join.
    const fractal = (z: SymbolicTensor, c: number, first: number): [SymbolicTensor, number][] => {
      const shallow: [SymbolicTensor, number] = [unit(z, first), first];
      if (c === 1) return [shallow];
      const inner = fractal(z, c - 1, first + 1);
      // f_1 ∘ f_1 is two units in a row: a join of one column would be a no-op layer.
      const mid = inner.length === 1 ? inner[0]![0] : join(inner, `block${b}.join${++joins}`);
      return [shallow, ...fractal(mid, c - 1, first + 1)];
    };
    h = join(fractal(h, columns, 1), `block${b}`);
    h = new MaxPooling2D({ poolSize: 2, name: `block${b}.pool` }).apply(h);
  }
  h = new Flatten({ name: 'flatten' }).apply(h);
  return finish(
    `fractalnet_b${blocks}_c${columns}`,
    x,
    new Dense({ units: classes, name: 'fc' }).apply(h),
    options,
  );
}

/**
 * One column of a {@link fractalnet} as a stand-alone network (default: the deepest, C): in each block
 * that column's 2^(c−1) units in order, then the block's pooling, then `flatten` and `fc`. It is made of
 * the same layer objects, so it shares the full network's weights (trained together, §4.2: "extract…
 * highly competitive"); its activations are the layers' names with `:1`, their second use.
 *
 * Its batch normalisation keeps the full net's moving averages, which were mostly accumulated in steps
 * where joins mixed the columns: the column alone sees other statistics, and loses much accuracy with
 * them (see the README's reproduction). `recalibrateBatchNorm` on training images gives it its own
 * (it changes the shared layers in the full net too: evaluate the full net first).
 *
 * @example
 * ```ts
 * const deepest = fractalColumn(net);
 * await recalibrateBatchNorm(deepest, trainImages);
 * const logits = deepest.predict(images);
 * ```
 */
export function fractalColumn(net: Model, column?: number): Model {
  const has = (name: string) => net.layers.some((l) => l.name === name);
  const layer = (name: string): Layer => net.getLayer(name);
  const sampler = net.layers.find((l) => l instanceof DropPathSampler) as DropPathSampler | undefined;
  if (!sampler)
    throw new ZooError(`fractalColumn: ${net.name} is not a fractalnet (it has no drop-path sampler)`);
  const c = column ?? sampler.columns;
  if (!Number.isInteger(c) || c < 1 || c > sampler.columns) {
    throw new ZooError(`fractalColumn: column must be an integer in 1 … ${sampler.columns}, got ${column}`);
  }
  const x = input({ shape: net.inputs[0]!.shape.slice(1) as number[], name: `column${c}_input` });
  let h = x;
  for (let b = 1; has(`block${b}`); b++) {
    for (let k = 1; k <= 2 ** (c - 1); k++) {
      const name = `block${b}.col${c}.conv${k}`;
      for (const part of [name, `${name}_drop`, `${name}_bn`, `${name}_relu`]) {
        if (has(part)) h = layer(part).apply(h);
      }
    }
    h = layer(`block${b}.pool`).apply(h);
  }
  const logits = layer('fc').apply(layer('flatten').apply(h));
  return new Model({ name: `${net.name}_column${c}`, inputs: x, outputs: logits, build: net.built });
}
