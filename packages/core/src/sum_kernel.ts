import * as tf from '@tensorflow/tfjs-core';
import { isHeapBackend } from './heap';
import { i32, instantiateOn, op, type WasmFunction } from './wasm_asm';

/**
 * Sum over leading axes on a heap backend (wasm), as a JavaScript loop over the heap. wasm reduces only
 * innermost axes, so it first transposes the reduced axes inward: summing a conv layer's output gradient
 * over batch, rows and columns (the gradient of its bias, [64, 28, 28, 32] in the MNIST CNN) takes 15 ms,
 * the JavaScript loop 2–5 ms, WebAssembly SIMD (widths in fours) ~0.5–1 ms. Both add chunks of rows in
 * float32 and the chunks' sums in float64: at least as accurate as wasm's float32 sums.
 */

// (source, running sums: addresses; rows; vectors of 4 a row) and the cursors of a row.
const [SRC, ACC, ROWS, VECTORS, A, J] = [0, 1, 2, 3, 4, 5];

/** Adds `ROWS` rows of `VECTORS` · 4 values to the sums at `ACC`. */
const ADD_ROWS: WasmFunction = {
  params: [i32, i32, i32, i32],
  locals: [i32, i32],
  body: [
    op.loop,
    ...[op.get(ACC), op.set(A), op.get(VECTORS), op.set(J)],
    op.loop,
    ...[op.get(A), op.get(A), op.load(), op.get(SRC), op.load(), op.add, op.store()],
    ...[op.get(A), op.i32(16), op.i32Add, op.set(A), op.get(SRC), op.i32(16), op.i32Add, op.set(SRC)],
    ...[op.get(J), op.i32(1), op.i32Sub, op.tee(J), op.brIf(0), op.end],
    ...[op.get(ROWS), op.i32(1), op.i32Sub, op.tee(ROWS), op.brIf(0), op.end],
  ],
};
type Exports = { addRows(src: number, acc: number, rows: number, vectors: number): void };
const FUNCTIONS = { addRows: ADD_ROWS };

/** Rows a float32 chunk: its rounding error stays ~2⁻²⁴ · 256 before the float64 sum of chunks. */
const CHUNK = 256;

/**
 * The Sum kernel: reductions over a prefix of the axes (not all of them) of a float32 tensor on a heap
 * backend run here; every other reduction goes to `original`.
 */
export function sumLeadingAxes(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs = {} } = args;
    const { x } = inputs as { x: tf.TensorInfo };
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < rank && axes.every((axis, i) => axis === i);
    if (!leading || x.dtype !== 'float32' || !isHeapBackend(backend)) return original(args);
    const kept = x.shape.slice(axes.length);
    const width = tf.util.sizeFromShape(kept);
    const outShape = attrs.keepDims === true ? [...axes.map(() => 1), ...kept] : kept;
    const out = backend.makeOutput(outShape, 'float32');
    // Views after the allocation: a growing heap detaches earlier ones.
    const values = backend.typedArrayFromHeap(x) as Float32Array;
    const sums = new Float64Array(width);
    const simd = width % 4 === 0 ? instantiateOn<Exports>(backend, FUNCTIONS) : undefined;
    const target = backend.typedArrayFromHeap(out) as Float32Array;
    if (simd) {
      // The output holds each chunk's float32 sums while they are made.
      const rows = values.length / width;
      for (let row = 0; row < rows; row += CHUNK) {
        target.fill(0);
        simd.addRows(
          values.byteOffset + 4 * row * width,
          target.byteOffset,
          Math.min(CHUNK, rows - row),
          width / 4,
        );
        for (let j = 0; j < width; j++) sums[j]! += target[j]!;
      }
      target.set(sums);
      return out;
    }
    const end = values.length;
    let row = 0;
    // Four rows a pass: half the time of one (fewer loads and stores of the running sums).
    for (; row + 4 * width <= end; row += 4 * width) {
      for (let j = 0; j < width; j++) {
        const k = row + j;
        sums[j]! += values[k]! + values[k + width]! + values[k + 2 * width]! + values[k + 3 * width]!;
      }
    }
    for (; row < end; row += width) {
      for (let j = 0; j < width; j++) sums[j]! += values[row + j]!;
    }
    target.set(sums);
    return out;
  };
}
