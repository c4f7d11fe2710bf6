import * as tf from '@tensorflow/tfjs-core';
import { copyRuns, isHeapBackend } from './heap';

/**
 * Slice on a heap backend (wasm) as block copies: the axes after the last one the slice cuts are whole,
 * so each run along them is contiguous in input and output alike. wasm's own kernel costs 2.5–3 ms
 * whatever the size (32 rows of a 1000 × 1000 matrix, or 7.5 ms for a 64 × 28 × 28 × 3 crop): the panels
 * of a blocked QR or tridiagonalisation and a batch's crops pay that per call.
 */
export function sliceBlocks(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs = {} } = args;
    const { x } = inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string' || !isHeapBackend(backend)) return original(args);
    const shape = x.shape;
    const [begin, size] = tf.slice_util.parseSliceParams(
      x as tf.Tensor,
      attrs.begin as number | number[],
      attrs.size as number | number[] | undefined,
    ) as [number[], number[]];
    tf.slice_util.assertParamsValid(x as tf.Tensor, begin, size);
    const out = backend.makeOutput(size, x.dtype);
    if (size.some((d) => d === 0)) return out;
    // Views after the allocation: a growing heap detaches earlier ones.
    const source = backend.typedArrayFromHeap(x);
    const target = backend.typedArrayFromHeap(out);
    // The last axis the slice cuts; the ones after it are whole and fold into one contiguous run.
    let cut = shape.length - 1;
    while (cut > 0 && size[cut] === shape[cut]) cut--;
    const strides = shape.map((_, d) => tf.util.sizeFromShape(shape.slice(d + 1)));
    const start = begin.reduce((sum, b, d) => sum + b * strides[d]!, 0);
    copyRuns(source, target, size.slice(0, cut), size[cut]! * strides[cut]!, start, strides.slice(0, cut));
    return out;
  };
}
