import type * as tf from '@tensorflow/tfjs-core';

/**
 * What the JavaScript kernels of this package need from a backend that keeps every tensor in one typed
 * heap (tfjs' wasm backend): outputs allocated on the heap, views of the heap, and shared data by reference
 * count. A view is valid until the next allocation: a heap that grows detaches the views taken before.
 */
export interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.backend_util.TypedArray;
  incRef(dataId: object): void;
}

/** Whether `backend` exposes its heap as a {@link HeapBackend}. */
export const isHeapBackend = (backend: unknown): backend is HeapBackend => {
  const b = backend as Partial<HeapBackend>;
  return (
    typeof b.makeOutput === 'function' &&
    typeof b.typedArrayFromHeap === 'function' &&
    typeof b.incRef === 'function'
  );
};
