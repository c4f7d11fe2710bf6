import * as tf from '@tensorflow/tfjs-core';
import { CnnError } from './errors';
import { isHeapBackend } from './heap';
import { reluGrad } from './relu_grad_kernel';
import { i32, instantiateOn, op, v128, type WasmFunction } from './wasm_asm';

/**
 * relu(x + bias) for a bias along the last axis: a conv or dense layer's output. tfjs adds the bias and
 * applies ReLU in two kernels (two passes, one intermediate tensor; wasm's broadcasting Add is the slower
 * of them); one SIMD pass here on wasm. The gradient is ReLU's, dy where y > 0 (y > 0 exactly where
 * x + bias > 0), and its sum over the leading axes for the bias. NaN stays NaN, as tf.relu keeps it.
 */

/** The name core registers the kernel under (a kernel of core's own, not of tfjs). */
export const BIAS_RELU_KERNEL = 'CnnBiasRelu';

// (x, bias, y addresses; rows; bytes a row, a multiple of 16)
const [X, BIAS, Y, ROWS, WIDTH, B, END, ZERO] = [0, 1, 2, 3, 4, 5, 6, 7];

const BIAS_RELU: WasmFunction = {
  params: [i32, i32, i32, i32, i32],
  locals: [i32, i32, v128],
  body: [
    ...[op.f32(0), op.splat, op.set(ZERO)],
    op.loop, // rows
    ...[op.get(BIAS), op.set(B), op.get(BIAS), op.get(WIDTH), op.i32Add, op.set(END)],
    op.loop, // four channels at a time
    ...[op.get(Y), op.get(X), op.load(), op.get(B), op.load(), op.add, op.get(ZERO), op.max, op.store()],
    ...[X, Y, B].flatMap((p) => [op.get(p), op.i32(16), op.i32Add, op.set(p)]),
    ...[op.get(B), op.get(END), op.i32LtU, op.brIf(0), op.end],
    ...[op.get(ROWS), op.i32(1), op.i32Sub, op.tee(ROWS), op.brIf(0), op.end],
  ],
};

type Exports = { biasRelu(x: number, bias: number, y: number, rows: number, width: number): void };
const FUNCTIONS = { biasRelu: BIAS_RELU };
const simdBiasRelu = (backend: unknown) => instantiateOn<Exports>(backend, FUNCTIONS);

/**
 * relu(x + bias), `bias` a vector the size of x's last axis: one fused kernel where the backend has it
 * (wasm, channels in fours), tf.add and tf.relu elsewhere. Differentiable in both arguments.
 *
 * @example
 * ```ts
 * const y = biasRelu(tf.conv2d(x, kernel, 1, 'same'), bias); // a conv layer's output
 * ```
 */
export function biasRelu(x: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const channels = x.shape.at(-1) ?? 0;
  const fused =
    x.dtype === 'float32' &&
    bias.dtype === 'float32' &&
    bias.rank === 1 &&
    bias.size === channels &&
    channels % 4 === 0 &&
    x.size > 0 &&
    tf.getKernel(BIAS_RELU_KERNEL, tf.getBackend()) !== undefined &&
    simdBiasRelu(tf.backend()) !== undefined;
  if (fused) return tf.engine().runKernel(BIAS_RELU_KERNEL, { x, bias });
  return tf.tidy(() => tf.relu(tf.add(x, bias)));
}

/** The kernel on tfjs' wasm backend: inputs `x`, `bias` (its last axis, a multiple of 4); output y. */
export const biasReluOnHeap: tf.KernelFunc = ({ inputs, backend }) => {
  const { x, bias } = inputs as { x: tf.TensorInfo; bias: tf.TensorInfo };
  const simd = simdBiasRelu(backend);
  const width = bias.shape[0] ?? 0;
  if (!isHeapBackend(backend) || !simd || width % 4 !== 0 || x.shape.at(-1) !== width)
    throw new CnnError(`${BIAS_RELU_KERNEL}: needs tfjs' wasm backend with SIMD and channels in fours`);
  const out = backend.makeOutput(x.shape, 'float32');
  // Views after the allocation: a growing heap detaches earlier ones.
  const [v, b, y] = [x, bias, out].map((t) => backend.typedArrayFromHeap(t) as Float32Array) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  if (v.length > 0) simd.biasRelu(v.byteOffset, b.byteOffset, y.byteOffset, v.length / width, 4 * width);
  return out;
};

/** The gradient: ReLU's (from the output), summed over the leading axes for the bias. */
export const BIAS_RELU_GRADIENT: tf.GradConfig = {
  kernelName: BIAS_RELU_KERNEL,
  outputsToSave: [true],
  gradFunc: (dy, [y]) => {
    let g: tf.Tensor | undefined;
    const dx = () => (g ??= reluGrad(dy as tf.Tensor, y!));
    const leading = y!.shape.slice(0, -1).map((_, i) => i);
    return { x: dx, bias: () => tf.sum(dx(), leading) };
  },
};
