import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gaussian, orthogonalityError } from '../test/helpers';
import { LinalgError } from './errors';
import { qr } from './qr';

const maxAbs = (x: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(x)).dataSync()[0]!);

describe('qr', () => {
  it.each([
    [5, 3, false],
    [3, 5, false],
    [80, 45, false],
    [45, 80, false],
    [70, 70, true],
    [50, 20, true],
  ])('factors a %i×%i matrix (full: %s) into orthonormal Q and upper-triangular R', async (m, n, full) => {
    const { a } = gaussian(new Rng(m + n), m, n);
    const { q, r } = await expectNoLeaks(() => qr(a, { full }));
    const k = full ? m : Math.min(m, n);
    expect(q.shape).toEqual([m, k]);
    expect(r.shape).toEqual([k, n]);
    expect(orthogonalityError(q)).toBeLessThan(1e-5);
    const back = tf.matMul(q, r);
    expect(maxAbs(tf.sub(back, a)) / maxAbs(a)).toBeLessThan(1e-5);
    const below = r.arraySync() as number[][];
    expect(below.flatMap((row, i) => row.slice(0, i)).every((v) => v === 0)).toBe(true);
    tf.dispose([a, q, r, back]);
  });

  it('works on batches, int32 input and rejects a vector', () => {
    const a = tf.tensor3d(
      [
        [
          [1, 2],
          [3, 4],
        ],
        [
          [2, 0],
          [0, 2],
        ],
      ],
      [2, 2, 2],
      'int32',
    );
    const { q, r } = qr(a);
    expect(q.shape).toEqual([2, 2, 2]);
    const back = tf.matMul(q, r).dataSync();
    Array.from(a.dataSync()).forEach((v, i) => {
      expect(back[i]).toBeCloseTo(v, 5);
    });
    expect(() => qr(tf.tensor1d([1, 2]))).toThrow(LinalgError);
    expect(() => qr(tf.tensor1d([1, 2]))).toThrow(/rank ≥ 2.*got shape \[2\]/);
    tf.dispose([a, q, r]);
  });
});
