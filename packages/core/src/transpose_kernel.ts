import type * as tf from '@tensorflow/tfjs-core';
import { isHeapBackend } from './heap';
import { i32, instantiateOn, op, v128, type WasmFunction } from './wasm_asm';

/**
 * Transpose on a heap backend (wasm) for the permutations training makes: a matrix's two axes swapped
 * (a dense layer's weights, [3136, 1024] on MNIST: 6.1 → ms), a batch of them, or the first and last of
 * three axes (a conv layer's input turned for its filter gradient, [64, 196, 32] → [32, 196, 64]), in
 * 4 × 4 blocks of WebAssembly SIMD shuffles. wasm's own kernel moves one value at a time through a
 * generic index loop (it does well only where whole rows move: [64, 196, 64] → [196, 64, 64]). Axes of
 * size 1 drop out and axes that stay neighbours merge first, so any permutation reducing to these forms
 * gains; the rest keep wasm's kernel.
 */

// (source, target addresses; blocks of 4 rows; blocks of 4 columns; source and target row strides, bytes)
const [SRC, DST, ROWS, COLS, SS, DS] = [0, 1, 2, 3, 4, 5];
const [S, D, J, S1, S2, S3, D1, D2, D3] = [6, 7, 8, 9, 10, 11, 12, 13, 14];
const [R0, R1, R2, R3, T0, T1, T2, T3] = [15, 16, 17, 18, 19, 20, 21, 22];

const step = (to: number, from: number, by: number) => [op.get(from), op.get(by), op.i32Add, op.set(to)];

const BLOCKS: WasmFunction = {
  params: [i32, i32, i32, i32, i32, i32],
  locals: [...Array(9).fill(i32), ...Array(8).fill(v128)],
  body: [
    op.loop, // blocks of 4 rows
    ...[op.get(SRC), op.set(S), op.get(DST), op.set(D), op.get(COLS), op.set(J)],
    op.loop, // blocks of 4 columns: rows a, b, c, d in; columns out
    ...[step(S1, S, SS), step(S2, S1, SS), step(S3, S2, SS)].flat(),
    ...[S, S1, S2, S3].flatMap((s, i) => [op.get(s), op.load(), op.set(R0 + i)]),
    ...[op.get(R0), op.get(R1), op.shuffle32([0, 4, 1, 5]), op.set(T0)], // a0 b0 a1 b1
    ...[op.get(R0), op.get(R1), op.shuffle32([2, 6, 3, 7]), op.set(T1)], // a2 b2 a3 b3
    ...[op.get(R2), op.get(R3), op.shuffle32([0, 4, 1, 5]), op.set(T2)], // c0 d0 c1 d1
    ...[op.get(R2), op.get(R3), op.shuffle32([2, 6, 3, 7]), op.set(T3)], // c2 d2 c3 d3
    ...[step(D1, D, DS), step(D2, D1, DS), step(D3, D2, DS)].flat(),
    ...[op.get(D), op.get(T0), op.get(T2), op.shuffle32([0, 1, 4, 5]), op.store()],
    ...[op.get(D1), op.get(T0), op.get(T2), op.shuffle32([2, 3, 6, 7]), op.store()],
    ...[op.get(D2), op.get(T1), op.get(T3), op.shuffle32([0, 1, 4, 5]), op.store()],
    ...[op.get(D3), op.get(T1), op.get(T3), op.shuffle32([2, 3, 6, 7]), op.store()],
    ...[op.get(S), op.i32(16), op.i32Add, op.set(S)],
    ...step(D, D3, DS),
    ...[op.get(J), op.i32(1), op.i32Sub, op.tee(J), op.brIf(0), op.end],
    ...[0, 1, 2, 3].flatMap(() => step(SRC, SRC, SS)),
    ...[op.get(DST), op.i32(16), op.i32Add, op.set(DST)],
    ...[op.get(ROWS), op.i32(1), op.i32Sub, op.tee(ROWS), op.brIf(0), op.end],
  ],
};

type Exports = { blocks(src: number, dst: number, rows: number, cols: number, ss: number, ds: number): void };
const FUNCTIONS = { blocks: BLOCKS };

/**
 * Writes the transpose of the `rows` × `cols` matrix of `source` at `from` (rows `fromStride` apart) into
 * `target` at `to` (its rows, the source's columns, `toStride` apart): SIMD 4 × 4 blocks where `simd`
 * is given, JavaScript for the fringe.
 */
function transposeMatrix(
  simd: Exports | undefined,
  source: Int32Array,
  target: Int32Array,
  [from, fromStride]: [number, number],
  [to, toStride]: [number, number],
  rows: number,
  cols: number,
): void {
  const [rows4, cols4] = simd ? [rows >> 2, cols >> 2] : [0, 0];
  if (rows4 > 0 && cols4 > 0) {
    const [src, dst] = [source.byteOffset + 4 * from, target.byteOffset + 4 * to];
    simd!.blocks(src, dst, rows4, cols4, 4 * fromStride, 4 * toStride);
  }
  const [r4, c4] = [4 * rows4, 4 * cols4];
  for (let j = 0; j < cols; j++) {
    // Rows past the blocks in every column; every row in the columns past them.
    for (let i = j < c4 ? r4 : 0; i < rows; i++)
      target[to + j * toStride + i] = source[from + i * fromStride + j]!;
  }
}

/** The shape and permutation with size-1 axes dropped and neighbours that stay neighbours merged. */
export function simplifyPermutation(
  shape: readonly number[],
  perm: readonly number[],
): { shape: number[]; perm: number[] } {
  const kept = perm.filter((axis) => shape[axis]! > 1);
  // Runs of consecutive input axes in output order, each becoming one axis.
  const runs: number[][] = [];
  for (const axis of kept) {
    const last = runs.at(-1);
    if (last && last.at(-1)! + 1 === axis) last.push(axis);
    else runs.push([axis]);
  }
  const byInput = [...runs].sort((a, b) => a[0]! - b[0]!);
  return {
    shape: byInput.map((run) => run.reduce((p, axis) => p * shape[axis]!, 1)),
    perm: runs.map((run) => byInput.indexOf(run)),
  };
}

/** The Transpose kernel for 4-byte values on a heap backend; other dtypes and permutations go to `original`. */
export function transposeOnHeap(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs = {} } = args;
    const { x } = inputs as { x: tf.TensorInfo };
    const fourBytes = x.dtype === 'float32' || x.dtype === 'int32';
    if (!fourBytes || !isHeapBackend(backend)) return original(args);
    const perm = attrs.perm as number[];
    const { shape: s, perm: p } = simplifyPermutation(x.shape, perm);
    const key = p.join();
    if (!['', '0', '1,0', '0,2,1', '2,1,0'].includes(key)) return original(args);
    const out = backend.makeOutput(
      perm.map((axis) => x.shape[axis]!),
      x.dtype,
    );
    // Views after the allocation (a growing heap detaches earlier ones), as bits: no value is changed.
    const view = (info: tf.TensorInfo) => {
      const values = backend.typedArrayFromHeap(info);
      return new Int32Array(values.buffer, values.byteOffset, values.length);
    };
    const [source, target] = [view(x), view(out)];
    const simd = instantiateOn<Exports>(backend, FUNCTIONS);
    const [a, b, c] = s as [number, number, number];
    if (key === '' || key === '0') target.set(source);
    else if (key === '1,0') transposeMatrix(simd, source, target, [0, b], [0, a], a, b);
    else if (key === '0,2,1') {
      for (let i = 0; i < a; i++) transposeMatrix(simd, source, target, [i * b * c, c], [i * b * c, b], b, c);
    } else {
      // [a, b, c] → [c, b, a]: for each middle index, an a × c matrix turned.
      for (let j = 0; j < b; j++) transposeMatrix(simd, source, target, [j * c, b * c], [j * a, b * a], a, c);
    }
    return out;
  };
}
