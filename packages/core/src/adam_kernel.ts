import * as tf from '@tensorflow/tfjs-core';
import { CnnError } from './errors';
import { isHeapBackend } from './heap';
import { f32, i32, instantiateOn, op, v128, type WasmFunction } from './wasm_asm';

/**
 * One Adam step as a single kernel. Composed of tfjs ops, a step costs twelve elementwise kernels per
 * weight, each a pass over memory with a fresh output: on the MNIST CNN's 3136 × 1024 fc1 weights on wasm
 * that is ~45 ms a step, a tenth of the whole training step. One SIMD loop over the backend's memory
 * (`wasm_asm.ts`) reads w, g, m and v once and writes the three results once. (A JavaScript loop does
 * not help: ~55 ms.)
 */

/** The name core registers the fused step under (a kernel of core's own, not of tfjs). */
export const ADAM_KERNEL = 'CnnAdam';

/** Hyper-parameters of one Adam step. */
export interface AdamStep {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** The step's number, counted from 1 (for the bias correction). */
  readonly step: number;
}

/**
 * The new weights, first and second moments after one Adam step (Kingma & Ba, with tfjs' and Keras' ε
 * outside the bias correction): m′ = β₁m + (1 − β₁)g, v′ = β₂v + (1 − β₂)g²,
 * w′ = w − η·√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m′/(√v′ + ε). One fused kernel where the backend has it (wasm), tfjs
 * ops elsewhere; both agree to float32 rounding.
 *
 * @example
 * ```ts
 * const [w1, m1, v1] = applyAdam(w, grad, m, v, { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1 });
 * ```
 */
export function applyAdam(
  w: tf.Tensor,
  g: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  step: AdamStep,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const inputs = { w, g, m, v };
  const shapes = Object.values(inputs).map((t) => t.shape);
  if (!shapes.every((s) => tf.util.arraysEqual(s, w.shape))) {
    throw new CnnError(
      `applyAdam: w, g, m and v must have one shape, got ${shapes.map((s) => `[${s}]`).join(', ')}`,
    );
  }
  const fused = Object.values(inputs).every((t) => t.dtype === 'float32') && fusedHere();
  if (fused) {
    const attrs = { ...step } as unknown as tf.NamedAttrMap;
    return tf.engine().runKernel(ADAM_KERNEL, inputs, attrs) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
  }
  return tf.tidy(() => {
    const { beta1, beta2, epsilon } = step;
    const m1 = tf.add(tf.mul(beta1, m), tf.mul(1 - beta1, g));
    const v1 = tf.add(tf.mul(beta2, v), tf.mul(1 - beta2, tf.square(g)));
    const rate = stepSize(step);
    const w1 = tf.sub(w, tf.div(tf.mul(rate, m1), tf.add(tf.sqrt(v1), epsilon)));
    return [w1, m1, v1];
  });
}

/** η·√(1 − β₂ᵗ)/(1 − β₁ᵗ): the learning rate with both bias corrections folded in. */
const stepSize = ({ learningRate, beta1, beta2, step }: AdamStep) =>
  (learningRate * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);

/** Adam over whole 4-float vectors: (w, g, m, v, w′, m′, v′ addresses, bytes, β₁, 1 − β₁, β₂, 1 − β₂, ε, rate). */
const ADAM_SIMD: WasmFunction = {
  params: [i32, i32, i32, i32, i32, i32, i32, i32, f32, f32, f32, f32, f32, f32],
  locals: [i32, v128, v128, v128, v128, v128, v128, v128, v128, v128],
  body: (() => {
    const [w, g, m, v, w1, m1, v1, bytes] = [0, 1, 2, 3, 4, 5, 6, 7];
    const [i, b1, c1, b2, c2, eps, rate, gv, mv, vv] = [14, 15, 16, 17, 18, 19, 20, 21, 22, 23];
    const at = (base: number) => [op.get(base), op.get(i), op.i32Add];
    const splats = [b1, c1, b2, c2, eps, rate].flatMap((local, k) => [
      op.get(8 + k),
      op.splat,
      op.set(local),
    ]);
    return [
      ...splats,
      op.loop,
      ...[...at(g), op.load(), op.set(gv)],
      // m′ = β₁m + (1 − β₁)g
      ...[...at(m1), ...at(m), op.load(), op.get(b1), op.mul, op.get(gv), op.get(c1), op.mul, op.add],
      ...[op.tee(mv), op.store()],
      // v′ = β₂v + (1 − β₂)g²
      ...[...at(v1), ...at(v), op.load(), op.get(b2), op.mul, op.get(gv), op.get(gv), op.mul, op.get(c2)],
      ...[op.mul, op.add, op.tee(vv), op.store()],
      // w′ = w − rate·m′/(√v′ + ε)
      ...[...at(w1), ...at(w), op.load(), op.get(rate), op.get(mv), op.mul, op.get(vv), op.sqrt],
      ...[op.get(eps), op.add, op.div, op.sub, op.store()],
      ...[op.get(i), op.i32(16), op.i32Add, op.tee(i), op.get(bytes), op.i32LtU, op.brIf(0), op.end],
    ];
  })(),
};

type AdamExports = { adam(...args: number[]): void };
const FUNCTIONS = { adam: ADAM_SIMD };
const simdAdam = (backend: unknown) => instantiateOn<AdamExports>(backend, FUNCTIONS);

/**
 * The fused Adam kernel on tfjs' wasm backend: inputs `w`, `g`, `m`, `v`; outputs w′, m′, v′. Four floats
 * at a time in WebAssembly SIMD on the backend's own memory, the last n mod 4 in JavaScript.
 */
export const adamOnHeap: tf.KernelFunc = ({ inputs, backend, attrs = {} }) => {
  const simd = simdAdam(backend);
  if (!isHeapBackend(backend) || !simd) {
    throw new CnnError(`${ADAM_KERNEL}: needs tfjs' wasm backend with WebAssembly SIMD`);
  }
  const { w, g, m, v } = inputs as Record<'w' | 'g' | 'm' | 'v', tf.TensorInfo>;
  const step = attrs as unknown as AdamStep;
  // Allocate first: a heap that grows detaches the views taken before.
  const outs = [w, m, v].map((t) => backend.makeOutput(t.shape, 'float32'));
  const views = [w, g, m, v, ...outs].map((t) => backend.typedArrayFromHeap(t) as Float32Array);
  const { beta1, beta2, epsilon } = step;
  const rate = stepSize(step);
  const n = views[0]!.length;
  const whole = n - (n % 4);
  if (whole > 0) {
    simd.adam(
      ...views.map((a) => a.byteOffset),
      4 * whole,
      beta1,
      1 - beta1,
      beta2,
      1 - beta2,
      epsilon,
      rate,
    );
  }
  const [W, G, M, V, W1, M1, V1] = views as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  for (let k = whole; k < n; k++) {
    const gk = G[k]!;
    M1[k] = beta1 * M[k]! + (1 - beta1) * gk;
    V1[k] = beta2 * V[k]! + (1 - beta2) * gk * gk;
    W1[k] = W[k]! - (rate * M1[k]!) / (Math.sqrt(V1[k]!) + epsilon);
  }
  return outs;
};

/** Whether the fused kernel serves float32 tensors on the active backend. */
const fusedHere = () =>
  tf.getKernel(ADAM_KERNEL, tf.getBackend()) !== undefined && simdAdam(tf.backend()) !== undefined;
