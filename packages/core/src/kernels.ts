import * as tf from '@tensorflow/tfjs-core';
import {
  conv2dFilterGradient,
  conv2dInputGradient,
  depthwiseFilterGradient,
  depthwiseInputGradient,
  fromNhwc,
  geometry,
  type Shape4,
  shapeToNhwc,
  toNhwc,
} from './conv_gradients';

/** Kernels composed of kernels every backend has (forward convolutions, scatter). */
const COMPOSITES: Record<string, tf.KernelFunc> = {
  Conv2DBackpropFilter: ({ inputs, attrs = {} }) =>
    tf.tidy(() => {
      const { x, dy } = inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
      const format = attrs.dataFormat;
      return conv2dFilterGradient(
        toNhwc(x, format),
        toNhwc(dy, format),
        attrs.filterShape as Shape4,
        geometry(attrs),
      );
    }),
  // Also the forward pass of conv2dTranspose.
  Conv2DBackpropInput: ({ inputs, attrs = {} }) =>
    tf.tidy(() => {
      const { dy, filter } = inputs as { dy: tf.Tensor4D; filter: tf.Tensor4D };
      const format = attrs.dataFormat;
      const xShape = shapeToNhwc(attrs.inputShape as Shape4, format);
      return fromNhwc(conv2dInputGradient(xShape, toNhwc(dy, format), filter, geometry(attrs)), format);
    }),
  DepthwiseConv2dNativeBackpropFilter: ({ inputs, attrs = {} }) => {
    const { x, dy } = inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
    return depthwiseFilterGradient(x, dy, attrs.filterShape as Shape4, geometry(attrs));
  },
  DepthwiseConv2dNativeBackpropInput: ({ inputs, attrs = {} }) => {
    const { dy, filter } = inputs as { dy: tf.Tensor4D; filter: tf.Tensor4D };
    return depthwiseInputGradient(attrs.inputShape as Shape4, dy, filter, geometry(attrs));
  },
  // The gradient of gather. Ids outside [0, n) contribute nothing (TensorFlow's rule): they go to an
  // extra segment that is cut off; scatterND sums duplicate ids.
  UnsortedSegmentSum: ({ inputs, attrs = {} }) =>
    tf.tidy(() => {
      const { x, segmentIds } = inputs as { x: tf.Tensor; segmentIds: tf.Tensor };
      const n = attrs.numSegments as number;
      const ids = tf.reshape(segmentIds, [-1, 1]);
      const valid = tf.logicalAnd(tf.greaterEqual(ids, 0), tf.less(ids, n));
      const safeIds = tf.cast(tf.where(valid, ids, tf.fill(ids.shape, n, 'int32')), 'int32');
      const rows = tf.reshape(x, [ids.shape[0]!, -1]);
      const sums = tf.scatterND(safeIds, rows, [n + 1, rows.shape[1]!]);
      return tf.reshape(tf.slice(sums, [0, 0], [n, -1]), [n, ...x.shape.slice(segmentIds.rank)]);
    }),
};

/**
 * Native kernels that their composite beats, measured (`pnpm bench`, the seeds' MNIST CNN, conv 5×5
 * 32 → 64 on 14×14): cpu's Conv2DBackpropFilter is a naive loop (12.5 s against 0.2 s at batch 4);
 * wasm's Conv2DBackpropInput does not use XNNPACK (716 ms against 68 ms at batch 64).
 */
const SLOWER_THAN_COMPOSITE: Record<string, readonly string[]> = {
  cpu: ['Conv2DBackpropFilter'],
  wasm: ['Conv2DBackpropInput'],
};

/** What {@link installKernels} did for a backend. */
export interface InstalledKernels {
  /** Kernels the backend lacked, now composed of kernels it has. */
  readonly filled: readonly string[];
  /** Native kernels replaced by their faster composite. */
  readonly replaced: readonly string[];
}

const installed = new Map<string, InstalledKernels>();

/**
 * Registers, once per backend, the composite of every kernel in {@link COMPOSITES} the backend lacks, and
 * of those its native kernel runs slower. Afterwards `tf.grad` of conv2d and depthwiseConv2d works on wasm.
 * `ready` calls it.
 */
export function installKernels(backendName: string): InstalledKernels {
  let done = installed.get(backendName);
  if (!done) {
    const names = Object.keys(COMPOSITES);
    const filled = names.filter((name) => tf.getKernel(name, backendName) === undefined);
    const replaced = names.filter(
      (name) => SLOWER_THAN_COMPOSITE[backendName]?.includes(name) && !filled.includes(name),
    );
    for (const kernelName of replaced) tf.unregisterKernel(kernelName, backendName);
    for (const kernelName of [...filled, ...replaced]) {
      tf.registerKernel({ kernelName, backendName, kernelFunc: COMPOSITES[kernelName]! });
    }
    done = { filled, replaced };
    installed.set(backendName, done);
  }
  return done;
}
