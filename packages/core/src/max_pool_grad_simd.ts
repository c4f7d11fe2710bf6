import { i32, instantiateOn, op, v128, type WasmFunction } from './wasm_asm';

/**
 * The gradient of 2 × 2 max pooling at stride 2 over windows that tile the input (the common pooling
 * layer), four channels at a time in WebAssembly SIMD on the wasm backend's memory: ~3× faster than the
 * JavaScript loop of `max_pool_grad.ts`, which it must match value for value. Each window's gradient goes
 * to its first maximum in row-major order, NaNs never win, a window with no value above −∞ passes nothing:
 * with gᵢ = xᵢ > (max of the values before it), value i gets dy & gᵢ & ¬(gⱼ for j > i).
 */

// (x, dx, dy addresses; channel bytes; input-row bytes; windows a row; rows of windows)
const [X, DX, DY, C, ROW, OW, ROWS] = [0, 1, 2, 3, 4, 5, 6];
const [END, WIN, NINF, BEST, G0, G1, G2, G3, DYV, LATER] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

/** Loads x at X + `offset` (a local holding bytes, or none for 0). */
const loadX = (...offsets: number[]) => [
  op.get(X),
  ...offsets.flatMap((o) => [op.get(o), op.i32Add]),
  op.load(),
];
/** Stores the value computed by `value` at DX + offsets. */
const storeDx = (offsets: number[], value: (readonly number[])[]) => [
  op.get(DX),
  ...offsets.flatMap((o) => [op.get(o), op.i32Add]),
  ...value,
  op.store(),
];

const TILES_2X2: WasmFunction = {
  params: [i32, i32, i32, i32, i32, i32, i32],
  locals: [i32, i32, v128, v128, v128, v128, v128, v128, v128, v128],
  body: [
    op.f32(Number.NEGATIVE_INFINITY),
    op.splat,
    op.set(NINF),
    op.loop, // rows of windows
    op.get(OW),
    op.set(WIN),
    op.loop, // windows of a row
    op.get(X),
    op.get(C),
    op.i32Add,
    op.set(END),
    op.loop, // four channels at a time
    // g0 = x0 > −∞, best = g0 ? x0 : −∞; gᵢ = xᵢ > best, best = gᵢ ? xᵢ : best
    ...[...loadX(), op.tee(BEST), op.get(NINF), op.gt, op.set(G0), op.get(BEST), op.get(NINF), op.get(G0)],
    ...[op.bitselect, op.set(BEST)],
    ...[...loadX(C), op.get(BEST), op.gt, op.set(G1), ...loadX(C), op.get(BEST), op.get(G1), op.bitselect],
    op.set(BEST),
    ...[
      ...loadX(ROW),
      op.get(BEST),
      op.gt,
      op.set(G2),
      ...loadX(ROW),
      op.get(BEST),
      op.get(G2),
      op.bitselect,
    ],
    op.set(BEST),
    ...[...loadX(ROW, C), op.get(BEST), op.gt, op.set(G3)],
    ...[op.get(DY), op.load(), op.set(DYV)],
    ...storeDx([ROW, C], [op.get(DYV), op.get(G3), op.and]),
    ...storeDx([ROW], [op.get(DYV), op.get(G2), op.and, op.get(G3), op.andnot]),
    ...[op.get(G3), op.get(G2), op.or, op.set(LATER)],
    ...storeDx([C], [op.get(DYV), op.get(G1), op.and, op.get(LATER), op.andnot]),
    ...[op.get(LATER), op.get(G1), op.or, op.set(LATER)],
    ...storeDx([], [op.get(DYV), op.get(G0), op.and, op.get(LATER), op.andnot]),
    ...[X, DX, DY].flatMap((p) => [op.get(p), op.i32(16), op.i32Add, op.set(p)]),
    ...[op.get(X), op.get(END), op.i32LtU, op.brIf(0), op.end],
    // Past the window's second column.
    ...[X, DX].flatMap((p) => [op.get(p), op.get(C), op.i32Add, op.set(p)]),
    ...[op.get(WIN), op.i32(1), op.i32Sub, op.tee(WIN), op.brIf(0), op.end],
    // Past the windows' second row.
    ...[X, DX].flatMap((p) => [op.get(p), op.get(ROW), op.i32Add, op.set(p)]),
    ...[op.get(ROWS), op.i32(1), op.i32Sub, op.tee(ROWS), op.brIf(0), op.end],
  ],
};

type Exports = { tiles2x2(...args: number[]): void };
const FUNCTIONS = { tiles2x2: TILES_2X2 };

/**
 * Runs the SIMD kernel on views of the backend's memory (input, output gradient, input gradient) for
 * `rows` rows of `windows` windows over `channels` channels (a multiple of 4); `false` where the backend
 * or engine cannot, leaving the work to the caller.
 */
export function tiles2x2Simd(
  backend: unknown,
  [x, dy, dx]: readonly [Float32Array, Float32Array, Float32Array],
  rows: number,
  windows: number,
  channels: number,
): boolean {
  const simd = instantiateOn<Exports>(backend, FUNCTIONS);
  if (!simd || channels % 4 !== 0 || rows * windows * channels === 0) return false;
  simd.tiles2x2(
    x.byteOffset,
    dx.byteOffset,
    dy.byteOffset,
    4 * channels,
    8 * windows * channels,
    windows,
    rows,
  );
  return true;
}
