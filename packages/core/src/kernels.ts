import * as tf from '@tensorflow/tfjs-core';
import {
  conv2dFilterGradient,
  depthwiseFilterGradient,
  depthwiseInputGradient,
  geometry,
  type Shape4,
  toNhwc,
} from './conv_gradients';

/**
 * Kernels some backends lack, composed of kernels they have. Registered for a backend only where it has
 * none of its own, so a backend's native kernel always wins.
 */
const FILLS: Record<string, tf.KernelFunc> = {
  Conv2DBackpropFilter: ({ inputs, attrs }) =>
    tf.tidy(() => {
      const { x, dy } = inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
      const format = attrs?.dataFormat;
      const filterShape = attrs?.filterShape as Shape4;
      return conv2dFilterGradient(toNhwc(x, format), toNhwc(dy, format), filterShape, geometry(attrs ?? {}));
    }),
  DepthwiseConv2dNativeBackpropFilter: ({ inputs, attrs }) => {
    const { x, dy } = inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
    return depthwiseFilterGradient(x, dy, attrs?.filterShape as Shape4, geometry(attrs ?? {}));
  },
  DepthwiseConv2dNativeBackpropInput: ({ inputs, attrs }) => {
    const { dy, filter } = inputs as { dy: tf.Tensor4D; filter: tf.Tensor4D };
    return depthwiseInputGradient(attrs?.inputShape as Shape4, dy, filter, geometry(attrs ?? {}));
  },
  // The gradient of gather. Ids outside [0, n) contribute nothing (TensorFlow's rule): they go to an
  // extra segment that is cut off; scatterND sums duplicate ids.
  UnsortedSegmentSum: ({ inputs, attrs }) =>
    tf.tidy(() => {
      const { x, segmentIds } = inputs as { x: tf.Tensor; segmentIds: tf.Tensor };
      const n = attrs?.numSegments as number;
      const ids = tf.reshape(segmentIds, [-1, 1]);
      const valid = tf.logicalAnd(tf.greaterEqual(ids, 0), tf.less(ids, n));
      const safeIds = tf.cast(tf.where(valid, ids, tf.fill(ids.shape, n, 'int32')), 'int32');
      const rows = tf.reshape(x, [ids.shape[0]!, -1]);
      const sums = tf.scatterND(safeIds, rows, [n + 1, rows.shape[1]!]);
      return tf.reshape(tf.slice(sums, [0, 0], [n, -1]), [n, ...x.shape.slice(segmentIds.rank)]);
    }),
};

const filled = new Map<string, string[]>();

/**
 * Registers, for `backendName`, every kernel of {@link FILLS} it lacks, once; returns their names.
 * Afterwards `tf.grad` of conv2d and depthwiseConv2d works on wasm.
 */
export function fillMissingKernels(backendName: string): string[] {
  let names = filled.get(backendName);
  if (!names) {
    names = Object.keys(FILLS).filter((kernelName) => tf.getKernel(kernelName, backendName) === undefined);
    for (const kernelName of names)
      tf.registerKernel({ kernelName, backendName, kernelFunc: FILLS[kernelName]! });
    filled.set(backendName, names);
  }
  return [...names];
}
