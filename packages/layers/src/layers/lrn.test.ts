import { expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gradientCheck } from '../gradient_check';
import { LocalResponseNormalization } from './lrn';

/** b_c = a_c / (k + α·Σ_{j=c−r}^{c+r} a_j²)^β over an NHWC array, in plain loops. */
function lrnReference(
  values: Float32Array,
  channels: number,
  r: number,
  k: number,
  alpha: number,
  beta: number,
) {
  const out: number[] = [];
  for (let p = 0; p < values.length / channels; p++) {
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let j = Math.max(0, c - r); j <= Math.min(channels - 1, c + r); j++)
        sum += values[p * channels + j]! ** 2;
      out.push(values[p * channels + c]! / (k + alpha * sum) ** beta);
    }
  }
  return out;
}

// Options where the normalisation matters (AlexNet's α = 1e-4 barely moves unit-sized inputs).
const CASES = [
  { label: "AlexNet's defaults", options: {}, ref: [2, 2, 1e-4, 0.75] },
  {
    label: 'a strong normalisation',
    options: { depthRadius: 1, bias: 1, alpha: 0.5, beta: 0.75 },
    ref: [1, 1, 0.5, 0.75],
  },
  {
    label: 'a window wider than the channels',
    options: { depthRadius: 4, bias: 0.5, alpha: 0.3, beta: 0.5 },
    ref: [4, 0.5, 0.3, 0.5],
  },
] as const;

describe('LocalResponseNormalization', () => {
  for (const { label, options, ref } of CASES) {
    it(`${label}: values against a loop, shape, gradient, no leaks`, async () => {
      const layer = new LocalResponseNormalization(options);
      const x = tf.randomNormal([2, 2, 3, 6], 0, 2, 'float32', 3);
      const y = await expectNoLeaks(() => layer.apply(x));
      expect(layer.computeOutputShape([[null, 2, 3, 6]])).toEqual([null, ...y.shape.slice(1)]);
      const [r, k, alpha, beta] = ref;
      const expected = lrnReference(x.dataSync() as Float32Array, 6, r, k, alpha, beta);
      Array.from(y.dataSync()).forEach((v, i) => {
        expect(v).toBeCloseTo(expected[i]!, 5);
      });
      expect(gradientCheck(layer, [x], { samples: 24 }).maxRelativeError).toBeLessThan(1e-2);
      tf.dispose([x, y]);
    });
  }

  it('takes NHWC batches only, naming the layer', () => {
    const layer = new LocalResponseNormalization({ name: 'lrn' });
    expect(() => layer.computeOutputShape([[null, 96]])).toThrow(
      'lrn: expects an NHWC image batch (rank 4), got [null, 96]',
    );
    expect(() => new LocalResponseNormalization({ depthRadius: 1.5 })).toThrow(
      /depthRadius must be an integer/,
    );
    expect(new LocalResponseNormalization({ name: 'n' }).getConfig()).toEqual({
      name: 'n',
      trainable: true,
      depthRadius: 2,
      bias: 2,
      alpha: 1e-4,
      beta: 0.75,
    });
  });
});
