import * as tf from '@tensorflow/tfjs-core';
import { ADAM_KERNEL, adamOnHeap } from './adam_kernel';
import { BIAS_RELU_KERNEL, biasReluOnHeap } from './bias_relu_kernel';
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
import { fastFusedMatMul } from './fused_matmul_kernel';
import { gatherBlocks } from './gather_kernel';
import { sharedIdentity } from './identity_kernel';
import { fastBatchMatMul } from './matmul_kernel';
import { maxPoolGradOnHeap } from './max_pool_grad';
import { RELU_GRAD_KERNEL, reluGradOnHeap } from './relu_grad_kernel';
import { reverseOnHeap } from './reverse_kernel';
import { sliceBlocks } from './slice_kernel';
import { sumLeadingAxes } from './sum_kernel';
import { transposeOnHeap } from './transpose_kernel';

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

/** Kernels of core's own, with no tfjs counterpart, per backend: fused steps its callers use where present. */
const OWN: Record<string, Record<string, tf.KernelFunc>> = {
  wasm: { [ADAM_KERNEL]: adamOnHeap, [RELU_GRAD_KERNEL]: reluGradOnHeap, [BIAS_RELU_KERNEL]: biasReluOnHeap },
};

/** A faster stand-in for a backend's own kernel, built from that kernel's function (which it may call). */
type Replacement = (native: tf.KernelFunc) => tf.KernelFunc;

const composite =
  (name: string): Replacement =>
  () =>
    COMPOSITES[name]!;

/**
 * Native kernels and what replaces them, each measured faster on the seeds' MNIST CNN (`pnpm bench`,
 * batch 64; figures from one loaded 2-core machine, so ratios matter more than times):
 * - cpu's Conv2DBackpropFilter is a naive loop (12.5 s against 0.2 s for its composite at batch 4);
 * - wasm's Conv2DBackpropInput does not use XNNPACK (716 ms against 68 ms);
 * - wasm's BatchMatMul leaves XNNPACK for a scalar loop whenever a transpose flag is set or a batch has
 *   more than one matrix, the forms every matMul gradient takes (fc1's weight gradient 480 ms against
 *   30 ms, its input gradient 320 ms against 25 ms; see `matmul_kernel.ts`); its _FusedMatMul likewise,
 *   and repacks fresh weights (95 ms against 30 ms; `fused_matmul_kernel.ts`);
 * - wasm's MaxPoolGrad is a slow generic loop, also wrong for windows ≤ 0 (72 ms against 13–19 ms;
 *   `max_pool_grad.ts`);
 * - wasm's Sum transposes before reducing leading axes, a bias gradient (15 ms against 2–5 ms;
 *   `sum_kernel.ts`); its Identity copies where sharing does (8.5 ms a step; `identity_kernel.ts`); its
 *   Reverse, which flips every filter for an input gradient, is ~20× slower than a copy (6 → 0.3 ms;
 *   `reverse_kernel.ts`); its GatherV2 copies value by value and reads out of bounds unchecked (batches of
 *   64 MNIST images 5.4 → 0.1 ms; `gather_kernel.ts`); its Slice costs 2.5–3 ms whatever the size (block copies:
 *   `slice_kernel.ts`); its Transpose moves one value at a time (a dense layer's weights: `transpose_kernel.ts`).
 */
const REPLACEMENTS: Record<string, Record<string, Replacement>> = {
  cpu: { Conv2DBackpropFilter: composite('Conv2DBackpropFilter') },
  wasm: {
    Conv2DBackpropInput: composite('Conv2DBackpropInput'),
    BatchMatMul: fastBatchMatMul,
    _FusedMatMul: fastFusedMatMul,
    MaxPoolGrad: maxPoolGradOnHeap,
    Sum: sumLeadingAxes,
    Identity: sharedIdentity,
    Reverse: reverseOnHeap,
    GatherV2: gatherBlocks,
    Slice: sliceBlocks,
    Transpose: transposeOnHeap,
  },
};

/** What {@link installKernels} did for a backend. */
export interface InstalledKernels {
  /**
   * Kernels the backend lacked, now provided: tfjs kernels composed of kernels it has, and core's own
   * fused kernels (`CnnAdam`, `CnnReluGrad`).
   */
  readonly filled: readonly string[];
  /** Native kernels replaced by faster ones (none while replacements are switched off). */
  readonly replaced: readonly string[];
}

/** Options of {@link installKernels}. */
export interface InstallOptions {
  /**
   * Replace the native kernels measured slower than core's versions (default `true`). `false` restores
   * the backend's own kernels, keeping the fills training needs: the baseline the benchmarks compare to.
   */
  readonly replace?: boolean;
}

interface BackendState {
  /** The composites registered for kernels the backend lacks (for good). */
  filled: readonly string[];
  /** Whether core's own kernels and the replacements are in place. */
  replacing: boolean;
  /** The native configs now standing replaced, to restore them. */
  natives: Map<string, tf.KernelConfig>;
  report: InstalledKernels;
}

const states = new Map<string, BackendState>();

/**
 * The backend's own kernel named `kernelName`, whether or not core has replaced it (`undefined` where the
 * backend has none). For tests and benchmarks that compare a replacement with what it replaces.
 */
export function nativeKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  const state = states.get(backendName);
  if (state?.filled.includes(kernelName)) return undefined;
  return state?.natives.get(kernelName) ?? tf.getKernel(kernelName, backendName);
}

/**
 * Registers, once per backend, the composite of every kernel in {@link COMPOSITES} the backend lacks, and
 * (unless `replace` is `false`) core's own fused kernels and the replacements of the backend's kernels
 * measured slower; called again with `replace: false` it removes those and restores the natives: the
 * baseline of the benchmarks. Afterwards `tf.grad` of conv2d and depthwiseConv2d works on wasm. `ready`
 * calls it.
 */
export function installKernels(backendName: string, options: InstallOptions = {}): InstalledKernels {
  let state = states.get(backendName);
  if (!state) {
    const filled = Object.keys(COMPOSITES).filter((name) => tf.getKernel(name, backendName) === undefined);
    for (const kernelName of filled) {
      tf.registerKernel({ kernelName, backendName, kernelFunc: COMPOSITES[kernelName]! });
    }
    state = { filled, replacing: false, natives: new Map(), report: { filled, replaced: [] } };
    states.set(backendName, state);
  }
  const own = Object.entries(OWN[backendName] ?? {});
  const replace = options.replace ?? true;
  if (replace && !state.replacing) {
    state.replacing = true;
    for (const [kernelName, kernelFunc] of own) tf.registerKernel({ kernelName, backendName, kernelFunc });
    for (const [kernelName, make] of Object.entries(REPLACEMENTS[backendName] ?? {})) {
      const native = tf.getKernel(kernelName, backendName);
      if (!native || state.filled.includes(kernelName)) continue;
      state.natives.set(kernelName, native);
      tf.unregisterKernel(kernelName, backendName);
      // The native's setup and dispose hooks stay: wasm's set up the functions its kernel calls.
      tf.registerKernel({ ...native, kernelFunc: make(native.kernelFunc) });
    }
    state.report = {
      filled: [...state.filled, ...own.map(([name]) => name)],
      replaced: [...state.natives.keys()],
    };
  } else if (!replace && state.replacing) {
    state.replacing = false;
    for (const [kernelName] of own) tf.unregisterKernel(kernelName, backendName);
    for (const [kernelName, native] of state.natives) {
      tf.unregisterKernel(kernelName, backendName);
      tf.registerKernel(native);
    }
    state.natives.clear();
    state.report = { filled: state.filled, replaced: [] };
  }
  return state.report;
}
