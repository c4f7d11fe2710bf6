import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { geometric, withSingularValues } from '../test/helpers';
import { cond, pinv, rank } from './pinv';

const maxAbs = (x: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(x)).dataSync()[0]!);

describe('pinv, rank and cond', () => {
  it.each([
    [30, 12, 12],
    [12, 30, 12],
    [30, 20, 7],
  ])('satisfies the Penrose conditions for a %i×%i matrix of rank %i', async (m, n, r) => {
    const { a } = withSingularValues(new Rng(m * n), m, n, geometric(r, 100));
    const p = await expectNoLeaks(() => pinv(a));
    expect(p.shape).toEqual([n, m]);
    const ap = tf.matMul(a, p);
    const pa = tf.matMul(p, a);
    expect(maxAbs(tf.sub(tf.matMul(ap, a), a)) / maxAbs(a)).toBeLessThan(1e-4); // A A⁺ A = A
    expect(maxAbs(tf.sub(tf.matMul(pa, p), p)) / maxAbs(p)).toBeLessThan(1e-4); // A⁺ A A⁺ = A⁺
    // (A A⁺)ᵀ = A A⁺ and (A⁺ A)ᵀ = A⁺ A, to float32 roundoff times cond(A) = 100
    expect(maxAbs(tf.sub(ap, tf.transpose(ap)))).toBeLessThan(5e-4);
    expect(maxAbs(tf.sub(pa, tf.transpose(pa)))).toBeLessThan(5e-4);
    expect(rank(a)).toBe(r);
    const c = cond(a) as number;
    if (r === Math.min(m, n)) expect(Math.abs(c - 100)).toBeLessThan(1e-3);
    else expect(c).toBeGreaterThan(1e5); // singular: σ_min is roundoff
    tf.dispose([a, p, ap, pa]);
  });

  it('works on batches', () => {
    const a = tf.stack([tf.eye(3), tf.diag(tf.tensor1d([2, 1, 0]))]);
    const p = pinv(a);
    expect(
      Array.from(tf.slice(p, [1, 0, 0], [1, 3, 3]).dataSync()).map((v) => Math.round(v * 100) / 100),
    ).toEqual([0.5, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(rank(a)).toEqual([3, 2]);
    expect(cond(a)).toEqual([1, Infinity]);
    tf.dispose([a, p]);
  });
});
