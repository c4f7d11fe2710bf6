import * as tf from '@tensorflow/tfjs-core';

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

/**
 * The values of `x` on the host without a copy where the backend keeps them there: a view of tfjs' wasm
 * heap, valid until the next tensor is made or disposed (the heap may grow and move); else `dataSync()`.
 * For host-side kernels that read a large tensor once, straight away (gram64: 31 MB saved on MNIST).
 *
 * @example
 * ```ts
 * const values = hostData(x); // read it before any other tensor op
 * ```
 */
export function hostData(x: tf.Tensor): tf.backend_util.TypedArray {
  // The backend that holds x's values (tfjs moves them to the current one only when an op reads them).
  const engine = tf.engine() as unknown as { state: { tensorInfo: WeakMap<object, { backend: unknown }> } };
  const backend = engine.state.tensorInfo.get(x.dataId)?.backend;
  if (!isHeapBackend(backend) || x.isDisposed || x.dtype === 'string') return x.dataSync();
  return backend.typedArrayFromHeap({ dataId: x.dataId, shape: x.shape, dtype: x.dtype });
}
