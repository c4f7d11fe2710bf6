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

/**
 * Fills `target` with runs of `run` contiguous values of `source`, in order: the run at index (i₀, …) of
 * the `outer` axes (those before the runs) starts at `start + Σ iₐ·steps[a]`. Reverse, Slice and the like
 * on a heap backend differ only in `start` and `steps` (a step is negative along a reversed axis).
 */
export function copyRuns(
  source: tf.backend_util.TypedArray,
  target: tf.backend_util.TypedArray,
  outer: readonly number[],
  run: number,
  start: number,
  steps: readonly number[],
): void {
  const index = new Array<number>(outer.length).fill(0);
  for (let to = 0; to < target.length; to += run) {
    let from = start;
    for (let d = 0; d < outer.length; d++) from += index[d]! * steps[d]!;
    target.set(source.subarray(from, from + run), to);
    for (let d = outer.length - 1; d >= 0 && ++index[d]! === outer[d]; d--) index[d] = 0;
  }
}
