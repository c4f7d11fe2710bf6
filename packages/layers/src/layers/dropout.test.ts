import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gradientCheck } from '../gradient_check';
import { Dropout } from './dropout';

describe('Dropout', () => {
  it('zeroes about `rate` of the units and scales the rest by 1/(1 − rate)', async () => {
    const layer = new Dropout({ rate: 0.3 });
    const x = tf.tidy(() => tf.add(tf.reshape(tf.range(0, 4000), [40, 100]), 1));
    const y = await expectNoLeaks(() => layer.apply(x, { training: true, rng: new Rng(5) }));
    expect(layer.computeOutputShape([[null, 100]])).toEqual([null, ...y.shape.slice(1)]);
    const xs = x.dataSync();
    const ys = y.dataSync();
    let dropped = 0;
    for (let i = 0; i < xs.length; i++) {
      if (ys[i] === 0) dropped++;
      else expect(ys[i]).toBeCloseTo(xs[i]! / 0.7, 2);
    }
    // Binomial(4000, 0.3): standard deviation ≈ 29; allow four of them.
    expect(Math.abs(dropped - 1200)).toBeLessThan(116);
    tf.dispose([x, y]);
  });

  it('repeats with the same rng state, differs with another', () => {
    const layer = new Dropout({ rate: 0.5 });
    const x = tf.ones([4, 16]);
    const mask = (seed: number) => {
      const y = layer.apply(x, { training: true, rng: new Rng(seed) });
      const v = Array.from(y.dataSync());
      y.dispose();
      return v;
    };
    expect(mask(1)).toEqual(mask(1));
    expect(mask(1)).not.toEqual(mask(2));
    x.dispose();
  });

  it('is the identity outside training, and with rate 0', async () => {
    const x = tf.tensor2d([[1, -2, 3]]);
    expect(await expectNoLeaks(() => new Dropout({ rate: 0.5 }).apply(x))).toBe(x);
    expect(new Dropout({ rate: 0 }).apply(x, { training: true, rng: new Rng(0) })).toBe(x);
    x.dispose();
  });

  it('drops whole feature maps with noiseShape [null, 1, 1, null]', () => {
    const layer = new Dropout({ rate: 0.5, noiseShape: [null, 1, 1, null] });
    const x = tf.ones([3, 4, 4, 8]);
    const y = layer.apply(x, { training: true, rng: new Rng(3) });
    const v = y.dataSync();
    for (let b = 0; b < 3; b++) {
      for (let c = 0; c < 8; c++) {
        const first = v[b * 128 + c]!;
        expect([0, 2]).toContain(first);
        for (let p = 0; p < 16; p++) expect(v[b * 128 + p * 8 + c]).toBe(first);
      }
    }
    tf.dispose([x, y]);
  });

  it('passes the gradient check with a fixed mask, and the gradient is the mask', () => {
    const layer = new Dropout({ rate: 0.4 });
    const x = tf.randomNormal([3, 5], 0, 1, 'float32', 7);
    const call = { training: true, rng: new Rng(11) };
    expect(gradientCheck(layer, [x], { call }).maxRelativeError).toBeLessThan(1e-2);
    const y = layer.call([x], { training: true, rng: new Rng(11) });
    const g = tf.grad((t: tf.Tensor) => tf.sum(layer.call([t], { training: true, rng: new Rng(11) })))(x);
    const yv = y.dataSync();
    g.dataSync().forEach((gi, i) => {
      expect(gi).toBeCloseTo(yv[i] === 0 ? 0 : 1 / 0.6, 5);
    });
    tf.dispose([x, y, g]);
  });

  it('checks rate and noiseShape, naming the layer', () => {
    expect(() => new Dropout({ name: 'd', rate: 1 })).toThrow('d: rate must be in [0, 1), got 1');
    const layer = new Dropout({ name: 'd2', rate: 0.5, noiseShape: [null, 3] });
    expect(() => layer.computeOutputShape([[null, 4]])).toThrow(
      'd2: noiseShape [null, 3] does not broadcast over its input [null, 4]',
    );
    expect(layer.getConfig()).toEqual({ name: 'd2', trainable: true, rate: 0.5, noiseShape: [null, 3] });
  });
});
