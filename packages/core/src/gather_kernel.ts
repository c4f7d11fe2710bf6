import * as tf from '@tensorflow/tfjs-core';
import { CnnError } from './errors';
import { isHeapBackend } from './heap';

/**
 * GatherV2 on a heap backend (wasm) as block copies: everything after the gathered axis is contiguous and
 * moves as one block. wasm's own kernel copies value by value: cutting a batch of 64 MNIST images out of a
 * training set (what `fit` does every step) took 5.4 ms, a few block copies take ~0.1 ms. Indices outside
 * the axis throw, as on the cpu backend (wasm's kernel reads whatever memory lies there).
 */
export function gatherBlocks(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs = {} } = args;
    const { x, indices } = inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const batchDims = (attrs.batchDims as number | undefined) ?? 0;
    if (x.dtype === 'string' || indices.dtype !== 'int32' || batchDims !== 0 || !isHeapBackend(backend)) {
      return original(args);
    }
    const [axis] = tf.util.parseAxisParam(attrs.axis as number, x.shape) as [number];
    const dim = x.shape[axis]!;
    const outer = tf.util.sizeFromShape(x.shape.slice(0, axis));
    const block = tf.util.sizeFromShape(x.shape.slice(axis + 1));
    const out = backend.makeOutput(
      [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)],
      x.dtype,
    );
    // Views after the allocation: a growing heap detaches earlier ones.
    const [source, ids, target] = [x, indices, out].map((t) => backend.typedArrayFromHeap(t));
    let to = 0;
    for (let o = 0; o < outer; o++) {
      for (const id of ids as Int32Array) {
        if (!(id >= 0 && id < dim))
          throw new CnnError(`GatherV2: the index value ${id} is not in [0, ${dim - 1}]`);
        const from = (o * dim + id) * block;
        target!.set(source!.subarray(from, from + block), to);
        to += block;
      }
    }
    return out;
  };
}
