import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { installKernels } from './kernels';
import { expectNoLeaks } from './leak';
import { Rng } from './random';
import { RELU_GRAD_KERNEL } from './relu_grad_kernel';

// Runs on this file's backend (cpu: tfjs ops; wasm: the fused kernel), through tf.grad of tf.relu.
const backend = tf.getBackend();

describe(`ReLU's gradient on ${backend}`, () => {
  it.each([1, 3, 4, 37, 1000])(
    'is dy · [x > 0] for %i values, zeros, NaNs and infinities included',
    async (n) => {
      const rng = new Rng(n);
      const special = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-38, -1e-38];
      const xs = Float32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? special[i % 7]! : rng.normal()));
      const dys = Float32Array.from({ length: n }, (_, i) => (i % 11 === 3 ? Number.NaN : rng.normal()));
      const [x, dy] = [tf.tensor1d(xs), tf.tensor1d(dys)];
      const dx = await expectNoLeaks(() => tf.grad((t: tf.Tensor) => tf.relu(t))(x, dy));
      const expected = Array.from(xs, (v, i) => dys[i]! * (v > 0 ? 1 : 0));
      expect(Array.from(dx.dataSync())).toEqual(expected);
      tf.dispose([x, dy, dx]);
    },
  );

  it.runIf(backend === 'wasm')('runs as one fused kernel on wasm', async () => {
    expect(installKernels(backend).filled).toContain(RELU_GRAD_KERNEL);
    const x = tf.tensor2d([[-1, 2, 3, -4, 5]]);
    const profile = await tf.profile(() => tf.grad((t: tf.Tensor) => tf.relu(t))(x));
    expect(profile.kernelNames).toContain(RELU_GRAD_KERNEL);
    expect(profile.kernelNames).not.toContain('Step');
    tf.dispose([x, profile.result as tf.Tensor]);
  });
});
