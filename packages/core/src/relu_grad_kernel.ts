import * as tf from '@tensorflow/tfjs-core';
import { CnnError } from './errors';
import { isHeapBackend } from './heap';
import { i32, instantiateOn, op, v128, type WasmFunction } from './wasm_asm';

/**
 * The gradient of ReLU as one kernel: dy · [x > 0], TensorFlow's ReluGrad (so x = NaN passes nothing,
 * where tfjs' Step would make it NaN; dy = NaN or ±∞ stays NaN everywhere). tfjs composes it of three
 * kernels (Step, Cast, Multiply: three passes over memory, two fresh tensors), ~7 ms a step of the MNIST
 * CNN on wasm; one SIMD pass here (`wasm_asm.ts`) on the backend's memory.
 */

/** The name core registers the kernel under (a kernel of core's own, not of tfjs). */
export const RELU_GRAD_KERNEL = 'CnnReluGrad';

/** (dy, x, dx addresses; bytes, a multiple of 16): dx = dy · (1.0 & mask(x > 0)). */
const RELU_GRAD: WasmFunction = {
  params: [i32, i32, i32, i32],
  locals: [i32, v128, v128],
  body: (() => {
    const [dy, x, dx, bytes, i, zero, one] = [0, 1, 2, 3, 4, 5, 6];
    const at = (base: number) => [op.get(base), op.get(i), op.i32Add];
    return [
      ...[op.f32(0), op.splat, op.set(zero), op.f32(1), op.splat, op.set(one), op.loop],
      ...[...at(dx), ...at(dy), op.load(), ...at(x), op.load(), op.get(zero), op.gt, op.get(one), op.and],
      ...[op.mul, op.store()],
      ...[op.get(i), op.i32(16), op.i32Add, op.tee(i), op.get(bytes), op.i32LtU, op.brIf(0), op.end],
    ];
  })(),
};

type Exports = { reluGrad(...args: number[]): void };
const FUNCTIONS = { reluGrad: RELU_GRAD };
const simdReluGrad = (backend: unknown) => instantiateOn<Exports>(backend, FUNCTIONS);

/** dL/dx of relu(x) given dL/dy: one kernel where the backend has it (wasm), tfjs' composition elsewhere. */
export function reluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const fused =
    dy.dtype === 'float32' &&
    x.dtype === 'float32' &&
    tf.util.arraysEqual(dy.shape, x.shape) &&
    tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend()) !== undefined &&
    simdReluGrad(tf.backend()) !== undefined;
  if (fused) return tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, x });
  return tf.mul(dy, tf.cast(tf.greater(x, 0), 'float32'));
}

/** The fused kernel on tfjs' wasm backend: inputs `dy`, `x`; output dx. */
export const reluGradOnHeap: tf.KernelFunc = ({ inputs, backend }) => {
  const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const simd = simdReluGrad(backend);
  if (!isHeapBackend(backend) || !simd)
    throw new CnnError(`${RELU_GRAD_KERNEL}: needs tfjs' wasm backend with SIMD`);
  const out = backend.makeOutput(x.shape, 'float32');
  // Views after the allocation: a growing heap detaches earlier ones.
  const [g, v, d] = [dy, x, out].map((t) => backend.typedArrayFromHeap(t) as Float32Array) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const whole = g.length - (g.length % 4);
  if (whole > 0) simd.reluGrad(g.byteOffset, v.byteOffset, d.byteOffset, 4 * whole);
  for (let k = whole; k < g.length; k++) d[k] = g[k]! * (v[k]! > 0 ? 1 : 0);
  return out;
};
