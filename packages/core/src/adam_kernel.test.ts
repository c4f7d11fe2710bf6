import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ADAM_KERNEL, type AdamStep, applyAdam } from './adam_kernel';
import { CnnError } from './errors';
import { installKernels } from './kernels';
import { expectNoLeaks } from './leak';
import { Rng } from './random';

// Runs on this file's backend (cpu: tfjs ops; wasm: the fused kernel).
const backend = tf.getBackend();

/** Adam by the paper's formulas in float64, step after step: the reference. */
function reference(w: Float64Array, grads: Float64Array[], hp: Omit<AdamStep, 'step'>): Float64Array {
  const [m, v, out] = [new Float64Array(w.length), new Float64Array(w.length), Float64Array.from(w)];
  grads.forEach((g, i) => {
    const t = i + 1;
    for (let j = 0; j < w.length; j++) {
      m[j] = hp.beta1 * m[j]! + (1 - hp.beta1) * g[j]!;
      v[j] = hp.beta2 * v[j]! + (1 - hp.beta2) * g[j]! ** 2;
      const mHat = m[j]! / (1 - hp.beta1 ** t);
      const vHat = v[j]! / (1 - hp.beta2 ** t);
      // ε outside the correction, as tfjs and Keras: ε·√(1 − β₂ᵗ) in the corrected form.
      out[j]! -= (hp.learningRate * mHat) / (Math.sqrt(vHat) + hp.epsilon / Math.sqrt(1 - hp.beta2 ** t));
    }
  });
  return out;
}

describe(`applyAdam on ${backend}`, () => {
  const hp = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

  it('follows the float64 reference over ten steps, without leaks or touching its inputs', async () => {
    const rng = new Rng(3);
    const shape = [37, 5];
    const w0 = Float64Array.from({ length: 185 }, () => rng.normal());
    const grads = Array.from({ length: 10 }, () => Float64Array.from({ length: 185 }, () => rng.normal()));
    let [w, m, v] = [tf.tensor(Float32Array.from(w0), shape), tf.zeros(shape), tf.zeros(shape)];
    for (const [i, g] of grads.entries()) {
      const gt = tf.tensor(Float32Array.from(g), shape);
      const next = await expectNoLeaks(() => applyAdam(w, gt, m, v, { ...hp, step: i + 1 }), 'applyAdam');
      expect(Array.from(gt.dataSync())).toEqual(Array.from(Float32Array.from(g)));
      tf.dispose([w, m, v, gt]);
      [w, m, v] = next;
    }
    const expected = reference(w0, grads, hp);
    const got = w.dataSync();
    for (let j = 0; j < expected.length; j++) expect(got[j]).toBeCloseTo(expected[j]!, 5);
    tf.dispose([w, m, v]);
  });

  it('moves every weight by about the learning rate on the first step (the bias correction)', () => {
    const g = tf.tensor1d([0.1, -2, 50]);
    const [w, m, v] = applyAdam(tf.zeros([3]), g, tf.zeros([3]), tf.zeros([3]), { ...hp, step: 1 });
    expect(Array.from(w.dataSync()).map((x) => +x.toFixed(5))).toEqual([-0.01, 0.01, -0.01]);
    const near = (got: tf.Tensor, want: number[]) => {
      for (const [i, x] of got.dataSync().entries()) expect(x / want[i]!).toBeCloseTo(1, 6);
    };
    near(m, [0.01, -0.2, 5]);
    near(v, [1e-5, 4e-3, 2.5]);
    tf.dispose([g, w, m, v]);
  });

  it('rejects tensors of different shapes, naming them', () => {
    const [a, b] = [tf.zeros([2, 3]), tf.zeros([3, 2])];
    expect(() => applyAdam(a, b, a, a, { ...hp, step: 1 })).toThrow(CnnError);
    expect(() => applyAdam(a, b, a, a, { ...hp, step: 1 })).toThrow(/one shape, got \[2,3\], \[3,2\]/);
    tf.dispose([a, b]);
  });

  it.runIf(backend === 'wasm')('runs as one fused kernel on wasm', async () => {
    expect(installKernels(backend).filled).toContain(ADAM_KERNEL);
    const [w, g] = [tf.ones([4]), tf.ones([4])];
    const profile = await tf.profile(() => applyAdam(w, g, g, g, { ...hp, step: 2 }));
    expect(profile.kernelNames).toEqual([ADAM_KERNEL]);
    expect(profile.newTensors).toBe(3);
    tf.dispose([w, g, ...(profile.result as tf.Tensor[])]);
  });
});
