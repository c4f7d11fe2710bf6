import { hostData, instantiateOwn } from '@cnn/core';
import type * as tf from '@tensorflow/tfjs-core';
import { LinalgError } from './errors';
import { BAND, bandPairJs, GRAM64_FUNCTIONS, type Gram64Exports, scanJs } from './gram64_kernels';
import { checkTensor } from './matrix';

/** Options of {@link gram64}. */
export interface Gram64Options {
  /** Subtract the column means first: the Gram matrix of the centred data (default false). */
  center?: boolean;
}

/**
 * gram64's largest column count: more would make the f×f float64 result over 128 MB.
 *
 * @example
 * ```ts
 * const useGram = x.shape[1] <= GRAM64_MAX_COLUMNS;
 * ```
 */
export const GRAM64_MAX_COLUMNS = 4096;

/**
 * Rows a block: the rows (float32) and their runs are copied and found a block at a time, so that memory
 * stays ~50 bytes a column of a block whatever the row count.
 */
const BLOCK = 2048;
/** Rows a chunk: one `scan` call, with column sums of its own (added in chunk order: any thread count, the same sums). */
const CHUNK = 256;

/**
 * The Gram matrix XᵀX of `x` [m, f] (float32) in float64 on the host — optionally of the centred data,
 * XᵀX − m μμᵀ — f×f row-major, with its column means. Every product of two float32 entries is exact in
 * float64, so the result carries only float64 rounding (~m·2⁻⁵³ relative): what a float32 product on the
 * backend loses (2⁻²⁴), and with it every singular value of X below ~2.4e-4 σ₁, stays here. Only products of
 * nonzero entries are summed, O(Σ_r nnz_r²): images with a blank background (MNIST: 19% nonzero, 10,000 ×
 * 784 in ~0.2 s on one core, ~0.1 s on the host pool's two threads) cost a fraction of their dense m·f²/2.
 *
 * @example
 * ```ts
 * const { gram } = gram64(tf.tensor2d([[1, 2], [3, 4]])); // [10, 14, 14, 20]
 * ```
 */
export function gram64(
  x: tf.Tensor2D,
  options: Gram64Options = {},
): { gram: Float64Array; mean: Float64Array } {
  checkTensor('gram64', 'x', x);
  if (x.rank !== 2)
    throw new LinalgError(`gram64: x must be a matrix [m, f], got shape [${x.shape.join(', ')}]`);
  const [m, f] = x.shape;
  if (f > GRAM64_MAX_COLUMNS) {
    throw new LinalgError(`gram64: at most ${GRAM64_MAX_COLUMNS} columns (an f×f float64 result), got ${f}`);
  }
  // Read in place where the backend allows (wasm's heap): nothing makes a tensor until it is copied.
  return centredGram(hostData(x) as Float32Array | Int32Array, m, f, options.center ?? false);
}

/**
 * {@link gram64} on the host copy of x [m, f]: in WebAssembly, or (`simd` false, for tests) in JavaScript,
 * the same sums in the same order.
 */
export function centredGram(
  data: Float32Array | Int32Array,
  m: number,
  f: number,
  center: boolean,
  simd = true,
): { gram: Float64Array; mean: Float64Array } {
  const { gram, sums } = outerSums(data, m, f, simd);
  const mean = new Float64Array(f);
  if (center && m > 0) {
    for (let j = 0; j < f; j++) mean[j] = sums[j]! / m;
    for (let i = 0; i < f; i++) {
      const mi = m * mean[i]!;
      for (let j = i; j < f; j++) gram[i * f + j] = gram[i * f + j]! - mi * mean[j]!;
    }
  }
  // The lower triangle from the upper, in tiles (a column walk misses the TLB at every step).
  const T = 32;
  for (let i0 = 0; i0 < f; i0 += T) {
    for (let j0 = 0; j0 <= i0; j0 += T) {
      for (let i = i0; i < Math.min(f, i0 + T); i++) {
        for (let j = j0; j < Math.min(i, j0 + T); j++) gram[i * f + j] = gram[j * f + i]!;
      }
    }
  }
  return { gram, mean };
}

/**
 * The upper triangle of XᵀX (f×f, row-major) and X's column sums, from the nonzeros, a block of rows at a
 * time: in WebAssembly where there is SIMD, chunks and then band pairs spread over the host pool's
 * threads, else the same sums in the same order here (gram64_kernels.ts). Throws on a non-finite entry.
 */
function outerSums(
  data: Float32Array | Int32Array,
  m: number,
  f: number,
  simd: boolean,
): { gram: Float64Array; sums: Float64Array } {
  const bands = Math.ceil(f / BAND);
  const blockRows = Math.min(m, BLOCK);
  const chunks = Math.ceil(blockRows / CHUNK);
  // A chunk's runs: at most one every other column, and one more a band.
  const runBytes = CHUNK * (Math.ceil(f / 2) + bands) * 12;
  const ROWS = 8 * f * f;
  const TABLE = ROWS + 4 * blockRows * f;
  const RUNS = TABLE + 8 * blockRows * bands;
  const SUMS = 8 * Math.ceil((RUNS + chunks * runBytes) / 8);
  const bytes = SUMS + 8 * chunks * f;
  const wasm = simd ? instantiateOwn<Gram64Exports>(GRAM64_FUNCTIONS) : undefined;
  if (wasm && wasm.memory.buffer.byteLength < bytes) {
    wasm.memory.grow(Math.ceil((bytes - wasm.memory.buffer.byteLength) / 65536));
  }
  const heap = wasm ? wasm.memory.buffer : new ArrayBuffer(bytes);
  new Float64Array(heap, 0, f * f).fill(0);
  const sums = new Float64Array(f);
  const chunkSums = new Float64Array(heap, SUMS, chunks * f);
  for (let r0 = 0; r0 < m; r0 += BLOCK) {
    const rows = Math.min(BLOCK, m - r0);
    new Float32Array(heap, ROWS, rows * f).set(data.subarray(r0 * f, (r0 + rows) * f));
    chunkSums.fill(0);
    const scans: Parameters<Gram64Exports['scan']>[] = [];
    for (let c = 0; c * CHUNK < rows; c++) {
      const at = c * CHUNK;
      const [x, table] = [ROWS + 4 * at * f, TABLE + 8 * at * bands];
      scans.push([x, f, bands, Math.min(CHUNK, rows - at), table, RUNS + c * runBytes, SUMS + 8 * c * f]);
    }
    if (wasm) wasm.parallel('scan', scans);
    else for (const args of scans) scanJs(heap, ...args);
    for (let c = 0; c < scans.length; c++) {
      for (let j = 0; j < f; j++) sums[j]! += chunkSums[c * f + j]!;
    }
    // A non-finite entry makes its column's sum non-finite (finite float32 entries cannot overflow it).
    if (!sums.every(Number.isFinite)) throwNonFinite(data, r0, rows, f);
    const pairs = bandPairs(heap, TABLE, rows, bands).map(
      ([bi, bj]): Parameters<Gram64Exports['bandPair']> => [0, f, TABLE, rows, bands, bi, bj],
    );
    if (wasm) wasm.parallel('bandPair', pairs);
    else for (const args of pairs) bandPairJs(heap, ...args);
  }
  return { gram: new Float64Array(heap, 0, f * f).slice(), sums };
}

/**
 * The band pairs (bi ≤ bj) of a block, the most work first (runs of one times runs of the other, a proxy
 * for the products), so that the threads that claim them in turn finish together.
 */
function bandPairs(heap: ArrayBufferLike, table: number, rows: number, bands: number): [number, number][] {
  const entries = new Int32Array(heap, table, 2 * rows * bands);
  const work = new Float64Array(bands * bands);
  const runs = new Float64Array(bands);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < bands; k++) {
      const at = 2 * (r * bands + k);
      runs[k] = entries[at + 1]! - entries[at]!;
    }
    for (let bi = 0; bi < bands; bi++) {
      for (let bj = bi; bj < bands; bj++) work[bi * bands + bj]! += runs[bi]! * runs[bj]!;
    }
  }
  const pairs: [number, number][] = [];
  for (let bi = 0; bi < bands; bi++) for (let bj = bi; bj < bands; bj++) pairs.push([bi, bj]);
  return pairs.sort(([a, b], [c, d]) => work[c * bands + d]! - work[a * bands + b]!);
}

function throwNonFinite(data: Float32Array | Int32Array, r0: number, rows: number, f: number): never {
  const at = data.subarray(r0 * f, (r0 + rows) * f).findIndex((v) => !Number.isFinite(v));
  const [r, j] = [r0 + Math.floor(at / f), at % f];
  throw new LinalgError(`gram64: x must hold finite numbers, got ${data[r * f + j]} at [${r}, ${j}]`);
}
