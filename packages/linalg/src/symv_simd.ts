import { i32, instantiateOwn, op, v128, type WasmFunction } from '@cnn/core';

/**
 * y = A x for the trailing matrix of the tridiagonalization, the one step of it that is a matrix–vector
 * product per column (half its O(n³) work: LAPACK's dsytrd spends the same there). JavaScript does it at
 * ~1.4 ns a multiply-add; this WebAssembly SIMD loop, on a memory of its own so that it serves every
 * backend, takes float32 entries four at a time into float64 sums, as the JavaScript loop does.
 */

// Parameters: A (a block of 4 rows), its row stride (bytes), x, y (float64), blocks of 4 rows, of 4 columns.
const [A, STRIDE, X, Y, ROWS, COLS] = [0, 1, 2, 3, 4, 5];
const [P, XP, J, XLO, XHI, V] = [6, 7, 8, 9, 10, 11];
const ACC = 12; // 8 sums: row r's low and high pairs at ACC + 2r, ACC + 2r + 1
const rows4 = [0, 1, 2, 3];

const SYMV: WasmFunction = {
  params: [i32, i32, i32, i32, i32, i32],
  locals: [i32, i32, i32, v128, v128, v128, ...Array(8).fill(v128)],
  body: [
    op.loop, // blocks of 4 rows
    ...rows4.flatMap((r) => [op.f32(0), op.splat, op.tee(ACC + 2 * r), op.set(ACC + 2 * r + 1)]),
    ...[op.get(A), op.set(P), op.get(X), op.set(XP), op.get(COLS), op.set(J)],
    op.loop, // blocks of 4 columns
    ...[op.get(XP), op.load(), op.set(XLO), op.get(XP), op.load(16), op.set(XHI)],
    ...rows4.flatMap((r) => [
      // Row r's four entries at P + r · stride.
      ...[
        op.get(P),
        ...Array(r)
          .fill([op.get(STRIDE), op.i32Add])
          .flat(),
        op.load(),
        op.set(V),
      ],
      ...[
        op.get(ACC + 2 * r),
        op.get(V),
        op.promoteLow,
        op.get(XLO),
        op.f64x2Mul,
        op.f64x2Add,
        op.set(ACC + 2 * r),
      ],
      ...[op.get(ACC + 2 * r + 1), op.get(V), op.get(V), op.shuffle32([2, 3, 2, 3]), op.promoteLow],
      ...[op.get(XHI), op.f64x2Mul, op.f64x2Add, op.set(ACC + 2 * r + 1)],
    ]),
    ...[op.get(P), op.i32(16), op.i32Add, op.set(P), op.get(XP), op.i32(32), op.i32Add, op.set(XP)],
    ...[op.get(J), op.i32(1), op.i32Sub, op.tee(J), op.brIf(0), op.end],
    ...rows4.flatMap((r) => [
      ...[op.get(Y), op.get(ACC + 2 * r), op.get(ACC + 2 * r + 1), op.f64x2Add, op.set(V)],
      ...[op.get(V), op.f64x2Lane(0), op.get(V), op.f64x2Lane(1), op.f64Add, op.f64Store(8 * r)],
    ]),
    ...[0, 1, 2, 3].flatMap(() => [op.get(A), op.get(STRIDE), op.i32Add, op.set(A)]),
    ...[op.get(Y), op.i32(32), op.i32Add, op.set(Y)],
    ...[op.get(ROWS), op.i32(1), op.i32Sub, op.tee(ROWS), op.brIf(0), op.end],
  ],
};

type Exports = { symv(a: number, stride: number, x: number, y: number, rows: number, cols: number): void };
const FUNCTIONS = { symv: SYMV };

/**
 * A symmetric len×len float32 matrix held in WebAssembly memory, rows padded to a multiple of 4 with
 * zeros, with its products y[start..len) = A[start.., start..] x[start..). `undefined` where the engine
 * has no WebAssembly SIMD: the caller keeps its JavaScript loop.
 */
export interface SimdSymmetric {
  times(x: Float64Array, start: number, y: Float64Array): void;
}

export function simdSymmetric(a: Float32Array, len: number): SimdSymmetric | undefined {
  const wasm = instantiateOwn<Exports>(FUNCTIONS);
  if (!wasm) return undefined;
  const ld = (len + 3) & ~3;
  // Layout: A (ld × ld float32), x (ld float64), y (ld float64).
  const [xAt, yAt] = [4 * ld * ld, 4 * ld * ld + 8 * ld];
  const bytes = yAt + 8 * ld;
  const { memory } = wasm;
  if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
  const matrix = new Float32Array(memory.buffer, 0, ld * ld);
  for (let r = 0; r < len; r++) {
    matrix.set(a.subarray(r * len, (r + 1) * len), r * ld);
    matrix.fill(0, r * ld + len, (r + 1) * ld);
  }
  matrix.fill(0, len * ld);
  const xs = new Float64Array(memory.buffer, xAt, ld).fill(0);
  const ys = new Float64Array(memory.buffer, yAt, ld);
  return {
    times(x, start, y) {
      // Blocks start at start rounded down to 4; x is zero before `start`, so the extra columns add 0.
      const first = start & ~3;
      xs.fill(0, 0, start);
      xs.set(x.subarray(start, len), start);
      const blocks = (ld - first) >> 2;
      if (blocks === 0) return;
      wasm.exports.symv(4 * (first * ld + first), 4 * ld, xAt + 8 * first, yAt + 8 * first, blocks, blocks);
      y.set(ys.subarray(start, len), start);
    },
  };
}
