import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BIAS_RELU_KERNEL, biasRelu } from './bias_relu_kernel';
import { installKernels } from './kernels';
import { expectNoLeaks } from './leak';
import { Rng } from './random';

// Runs on this file's backend (cpu: tfjs ops; wasm: the fused kernel), against relu(x + bias) in float64.
const backend = tf.getBackend();

describe(`biasRelu on ${backend}`, () => {
  it.each([
    [[3, 4], 4],
    [[2, 5, 5, 8], 8],
    [[7, 32], 32],
    [[4, 6], 6], // channels not in fours: tfjs ops everywhere
  ])('is relu(x + bias) for x %j, its value and both gradients', async (shape, channels) => {
    const rng = new Rng(channels);
    const size = shape.reduce((p, d) => p * d, 1);
    const xs = Float32Array.from({ length: size }, (_, i) => (i % 9 === 4 ? Number.NaN : rng.normal()));
    const bs = Float32Array.from({ length: channels }, () => rng.normal());
    const dys = Float32Array.from({ length: size }, () => rng.normal());
    const [x, b, dy] = [tf.tensor(xs, shape), tf.tensor1d(bs), tf.tensor(dys, shape)];
    const [y, [dx, db]] = await expectNoLeaks(() => [
      biasRelu(x, b),
      tf.grads((t: tf.Tensor, u: tf.Tensor) => biasRelu(t, u))([x, b], dy),
    ]);
    const sums = new Float64Array(channels);
    const [yv, dxv] = [y.dataSync(), dx!.dataSync()];
    for (let i = 0; i < size; i++) {
      const z = xs[i]! + bs[i % channels]!;
      const pass = z > 0;
      if (Number.isNaN(z)) expect(yv[i]).toBeNaN();
      else expect(yv[i]).toBeCloseTo(Math.max(z, 0), 6);
      // NaN inputs pass no gradient (TensorFlow's ReluGrad); elsewhere dy where x + bias > 0.
      expect(dxv[i] === (pass ? dys[i] : 0), `dx[${i}]`).toBe(true); // −0 where dy < 0 is 0
      sums[i % channels]! += pass ? dys[i]! : 0;
    }
    const dbv = db!.dataSync();
    for (let c = 0; c < channels; c++) expect(dbv[c]).toBeCloseTo(sums[c]!, 5);
    tf.dispose([x, b, dy, y, dx!, db!]);
  });

  it.runIf(backend === 'wasm')('runs as one fused kernel on wasm, forward and backward', async () => {
    expect(installKernels(backend).filled).toContain(BIAS_RELU_KERNEL);
    const [x, b] = [tf.ones([2, 3, 8]), tf.zeros([8])];
    const profile = await tf.profile(() => biasRelu(x, b));
    expect(profile.kernelNames).toEqual([BIAS_RELU_KERNEL]);
    tf.dispose([x, b, profile.result as tf.Tensor]);
  });
});
