import * as tf from '@tensorflow/tfjs-core';
import { isHeapBackend } from './heap';

/**
 * Sum over leading axes on a heap backend (wasm), as a JavaScript loop over the heap. wasm reduces only
 * innermost axes, so it first transposes the reduced axes inward: summing a conv layer's output gradient
 * over batch, rows and columns (the gradient of its bias, [64, 28, 28, 32] in the MNIST CNN) takes 15 ms,
 * the loop 2–5 ms. The loop adds in float64: at least as accurate as wasm's float32 sums.
 */

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
    (backend.typedArrayFromHeap(out) as Float32Array).set(sums);
    return out;
  };
}
