import { i32, instantiateOwn, op, v128, type WasmFunction } from '@cnn/core';

/**
 * y = A x for the trailing matrix of the tridiagonalization, the one step of it that is a matrix–vector
 * product per column (half its O(n³) work: LAPACK's dsytrd spends the same there). JavaScript does it at
 * ~1.4 ns a multiply-add; this WebAssembly SIMD loop, on a memory of its own so that it serves every
 * backend, takes float32 entries four at a time into float64 sums, as the JavaScript loop does. The
 * matrix stays in that memory for the whole reduction (`SymmetricWorkspace`).
 */

// Parameters: A (a block of 4 rows), its row stride (bytes), x (float32), y (float64), blocks of 4 rows,
// chunks of 16 columns. Each row's chunk is summed in float32 lanes (four products a lane) and then added
// into float64 sums: half the instructions of promoting every entry, and rounding no worse than the
// float32 entries themselves carry.
const [A, STRIDE, X, Y, ROWS, CHUNKS] = [0, 1, 2, 3, 4, 5];
const [P, XP, J, R, X0, S] = [6, 7, 8, 9, 10, 14];
const ACC = 15; // 8 sums: row r's low and high pairs at ACC + 2r, ACC + 2r + 1
const rows4 = [0, 1, 2, 3];

const SYMV: WasmFunction = {
  params: [i32, i32, i32, i32, i32, i32],
  locals: [i32, i32, i32, i32, v128, v128, v128, v128, v128, ...Array(8).fill(v128)],
  body: [
    op.loop, // blocks of 4 rows
    ...rows4.flatMap((r) => [op.f32(0), op.splat, op.tee(ACC + 2 * r), op.set(ACC + 2 * r + 1)]),
    ...[op.get(A), op.set(P), op.get(X), op.set(XP), op.get(CHUNKS), op.set(J)],
    op.loop, // chunks of 16 columns
    ...[0, 1, 2, 3].flatMap((q) => [op.get(XP), op.load(16 * q), op.set(X0 + q)]),
    ...rows4.flatMap((r) => [
      // Row r's 16 entries at P + r · stride.
      ...[
        op.get(P),
        ...Array(r)
          .fill([op.get(STRIDE), op.i32Add])
          .flat(),
        op.set(R),
      ],
      ...[op.get(R), op.load(), op.get(X0), op.mul],
      ...[1, 2, 3].flatMap((q) => [op.get(R), op.load(16 * q), op.get(X0 + q), op.mul, op.add]),
      op.set(S),
      ...[op.get(ACC + 2 * r), op.get(S), op.promoteLow, op.f64x2Add, op.set(ACC + 2 * r)],
      ...[op.get(ACC + 2 * r + 1), op.get(S), op.get(S), op.shuffle32([2, 3, 2, 3]), op.promoteLow],
      ...[op.f64x2Add, op.set(ACC + 2 * r + 1)],
    ]),
    ...[op.get(P), op.i32(64), op.i32Add, op.set(P), op.get(XP), op.i32(64), op.i32Add, op.set(XP)],
    ...[op.get(J), op.i32(1), op.i32Sub, op.tee(J), op.brIf(0), op.end],
    ...rows4.flatMap((r) => [
      ...[op.get(Y), op.get(ACC + 2 * r), op.get(ACC + 2 * r + 1), op.f64x2Add, op.set(S)],
      ...[op.get(S), op.f64x2Lane(0), op.get(S), op.f64x2Lane(1), op.f64Add, op.f64Store(8 * r)],
    ]),
    ...[0, 1, 2, 3].flatMap(() => [op.get(A), op.get(STRIDE), op.i32Add, op.set(A)]),
    ...[op.get(Y), op.i32(32), op.i32Add, op.set(Y)],
    ...[op.get(ROWS), op.i32(1), op.i32Sub, op.tee(ROWS), op.brIf(0), op.end],
  ],
};

type Exports = { symv(a: number, stride: number, x: number, y: number, rows: number, chunks: number): void };
const FUNCTIONS = { symv: SYMV };

/**
 * The trailing matrix of the tridiagonalization, symmetric, len×len float32, held on the host for the whole
 * reduction: rows padded with zeros to `ld` (a multiple of 16), in WebAssembly memory when the engine has
 * SIMD, else in a plain buffer with the same loops in JavaScript. Each panel reads its rows, takes one
 * product per column, and then the update A ← A[b.., b..] − P in place: no upload, subtraction kernel or
 * download of the whole trailing matrix per panel, only the update product P comes from the backend.
 */
export interface SymmetricWorkspace {
  /** The current order. */
  readonly len: number;
  /** Row r (len entries); valid until the next `shrink`. */
  row(r: number): Float32Array;
  /** y[start..len) = A[start.., start..] x[start..) in float64 sums; y's first `start` entries are left alone. */
  times(x: Float64Array, start: number, y: Float64Array): void;
  /** A ← A[b.., b..] − P for P (len − b)×(len − b) row-major. */
  shrink(b: number, p: Float32Array): void;
}

const padded = (len: number) => (len + 15) & ~15;

/** Copies symmetric `a` (len×len row-major) into a workspace; `simd: false` forces the JavaScript loops. */
export function symmetricWorkspace(a: Float32Array, len: number, simd = true): SymmetricWorkspace {
  const wasm = simd ? instantiateOwn<Exports>(FUNCTIONS) : undefined;
  let ld = padded(len);
  // Layout: A (ld × ld float32), then x (ld float32) and y (ld float64) — both move down as A shrinks.
  const bytes = 4 * ld * ld + 12 * ld;
  let buffer: ArrayBuffer;
  if (wasm) {
    const { memory } = wasm;
    if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
    buffer = memory.buffer;
  } else {
    buffer = new ArrayBuffer(bytes);
  }
  const matrix = new Float32Array(buffer, 0, bytes >> 2);
  for (let r = 0; r < len; r++) {
    matrix.set(a.subarray(r * len, (r + 1) * len), r * ld);
    matrix.fill(0, r * ld + len, (r + 1) * ld);
  }
  matrix.fill(0, len * ld, ld * ld);
  const vectors = () => {
    const xAt = 4 * ld * ld;
    const yAt = xAt + 4 * ld;
    return { xAt, yAt, xs: new Float32Array(buffer, xAt, ld), ys: new Float64Array(buffer, yAt, ld) };
  };
  let { xAt, yAt, xs, ys } = vectors();
  return {
    get len() {
      return len;
    },
    row: (r) => matrix.subarray(r * ld, r * ld + len),
    times(x, start, y) {
      // Blocks start at start rounded down to 16; x is zero before `start`, so the extra columns add 0.
      const first = start & ~15;
      xs.fill(0, 0, start);
      xs.set(x.subarray(start, len), start);
      xs.fill(0, len);
      if (first >= ld) return;
      if (wasm) {
        wasm.exports.symv(
          4 * (first * ld + first),
          4 * ld,
          xAt + 4 * first,
          yAt + 8 * first,
          (ld - first) >> 2,
          (ld - first) >> 4,
        );
      } else {
        timesJS(matrix, ld, first, xs, ys);
      }
      y.set(ys.subarray(start, len), start);
    },
    shrink(b, p) {
      const rest = len - b;
      const next = padded(rest);
      // In place, front to back: row r's new place r·next never passes its old one (b + r)·ld + b.
      for (let r = 0; r < rest; r++) {
        const from = (b + r) * ld + b;
        const to = r * next;
        const pr = r * rest;
        for (let c = 0; c < rest; c++) matrix[to + c] = matrix[from + c]! - p[pr + c]!;
        matrix.fill(0, to + rest, to + next);
      }
      matrix.fill(0, rest * next, next * next);
      len = rest;
      ld = next;
      ({ xAt, yAt, xs, ys } = vectors());
    },
  };
}

/** The product in JavaScript, four rows at a time (each x[j] loaded once for four products). */
function timesJS(a: Float32Array, ld: number, first: number, x: Float32Array, y: Float64Array): void {
  for (let i = first; i < ld; i += 4) {
    const [r0, r1, r2, r3] = [i * ld, (i + 1) * ld, (i + 2) * ld, (i + 3) * ld];
    let [y0, y1, y2, y3] = [0, 0, 0, 0];
    for (let j = first; j < ld; j++) {
      const xj = x[j]!;
      y0 += a[r0 + j]! * xj;
      y1 += a[r1 + j]! * xj;
      y2 += a[r2 + j]! * xj;
      y3 += a[r3 + j]! * xj;
    }
    [y[i], y[i + 1], y[i + 2], y[i + 3]] = [y0, y1, y2, y3];
  }
}
