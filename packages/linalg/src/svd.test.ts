import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  frob,
  gaussian,
  geometric,
  orthogonalityError,
  reconstructionError,
  singularValueError,
  withSingularValues,
} from '../test/helpers';
import { referenceSingularValues } from '../test/reference';
import { LinalgError } from './errors';
import { type SVDResult, svd } from './svd';

/** The float32 targets: A = U S Vᵀ to 1e-5, U and V orthonormal to 1e-4, σ within 1e-5 of the reference. */
function expectAccurate(
  a: tf.Tensor,
  ref: Parameters<typeof referenceSingularValues>[0],
  r: SVDResult,
): void {
  expect(reconstructionError(a, r.u, r.s, r.v)).toBeLessThan(1e-5);
  expect(orthogonalityError(r.u)).toBeLessThan(1e-4);
  expect(orthogonalityError(r.v)).toBeLessThan(1e-4);
  expect(singularValueError(r.s, referenceSingularValues(ref))).toBeLessThan(1e-5);
}

describe('svd', () => {
  it.each([
    [6, 4],
    [4, 6],
    [40, 40],
    [70, 33],
    [33, 70],
    [1, 5],
    [5, 1],
  ])('decomposes a Gaussian %i×%i matrix', async (m, n) => {
    const { a, ref } = gaussian(new Rng(m * 100 + n), m, n);
    const { u, s, v } = await expectNoLeaks(() => svd(a));
    const k = Math.min(m, n);
    expect(u.shape).toEqual([m, k]);
    expect(s.shape).toEqual([k]);
    expect(v.shape).toEqual([n, k]);
    expectAccurate(a, ref, { u, s, v });
    tf.dispose([a, u, s, v]);
  });

  // One condition number per way U is made orthonormal: as it is (≤ 5e3), a Gram–Schmidt step, QR (> 3e4).
  it.each([4e3, 1e4, 1e6])(
    'keeps the small singular values of a matrix of condition number %d',
    async (cond) => {
      const { a, ref } = withSingularValues(new Rng(7), 90, 60, geometric(60, cond));
      const { u, s, v } = await expectNoLeaks(() => svd(a));
      expectAccurate(a, ref, { u, s, v });
      tf.dispose([a, u, s, v]);
    },
  );

  it('separates repeated singular values (clusters solved densely in the refinement)', async () => {
    const values = [4, 4, 4, 3, 2, 2, 1, 1, 1, 1, 0.5, 0.25];
    const { a, ref } = withSingularValues(new Rng(11), 40, 12, values);
    const { u, s, v } = await expectNoLeaks(() => svd(a));
    expectAccurate(a, ref, { u, s, v });
    tf.dispose([a, u, s, v]);
  });

  it('handles rank-deficient and zero matrices', async () => {
    const { a, ref } = withSingularValues(new Rng(3), 50, 30, [5, 3, 2, 1, 0.5]);
    const { u, s, v } = await expectNoLeaks(() => svd(a));
    expectAccurate(a, ref, { u, s, v });
    const zero = tf.zeros([4, 3]);
    const z = svd(zero);
    expect(Array.from(z.s.dataSync())).toEqual([0, 0, 0]);
    expect(orthogonalityError(z.u)).toBeLessThan(1e-6);
    tf.dispose([a, u, s, v, zero, z.u, z.s, z.v]);
    expect(frob(tf.zeros([1]))).toBe(0);
  });
});

describe('svd: batches, full and randomized', () => {
  it('runs over leading axes and gives full bases on request', async () => {
    const rng = new Rng(9);
    const a = rng.randomNormal([2, 3, 7, 5]);
    const { u, s, v } = await expectNoLeaks(() => svd(a));
    expect([u.shape, s.shape, v.shape]).toEqual([
      [2, 3, 7, 5],
      [2, 3, 5],
      [2, 3, 5, 5],
    ]);
    expect(reconstructionError(a, u, s, v)).toBeLessThan(1e-5);
    const wide = rng.randomNormal([4, 9]);
    const f = await expectNoLeaks(() => svd(wide, { full: true }));
    expect([f.u.shape, f.s.shape, f.v.shape]).toEqual([[4, 4], [4], [9, 9]]);
    expect(orthogonalityError(f.v)).toBeLessThan(1e-5);
    expect(reconstructionError(wide, f.u, f.s, f.v)).toBeLessThan(1e-5);
    tf.dispose([a, u, s, v, wide, f.u, f.s, f.v]);
  });

  it('follows its sign convention: the largest entry of each v_j is positive', () => {
    const { a } = gaussian(new Rng(4), 12, 6);
    const { u, s, v } = svd(a);
    const rows = v.arraySync() as number[][];
    for (let j = 0; j < 6; j++) {
      const col = rows.map((r) => r[j]!);
      const big = col.reduce((p, c) => (Math.abs(c) > Math.abs(p) ? c : p), 0);
      expect(big).toBeGreaterThan(0);
    }
    tf.dispose([a, u, s, v]);
  });

  it('finds the top k of a matrix with a decaying spectrum by randomized SVD', async () => {
    const sigma = Array.from({ length: 40 }, (_, i) => 0.7 ** i);
    const { a, ref } = withSingularValues(new Rng(12), 120, 80, sigma);
    const { u, s, v } = await expectNoLeaks(() => svd(a, { k: 6, seed: 3 }));
    expect([u.shape, s.shape, v.shape]).toEqual([[120, 6], [6], [80, 6]]);
    expect(orthogonalityError(u)).toBeLessThan(1e-5);
    expect(orthogonalityError(v)).toBeLessThan(1e-5);
    expect(singularValueError(s, referenceSingularValues(ref).slice(0, 6))).toBeLessThan(1e-4);
    // The best rank-6 approximation: its error is σ₇ (Eckart–Young).
    const err = tf.tidy(() => {
      const approx = tf.matMul(tf.mul(u, tf.expandDims(s, 0)), v, false, true);
      return tf.norm(tf.sub(a, approx), 2).dataSync()[0]!;
    });
    expect(err).toBeLessThan(sigma[6]! * 1.05 * Math.sqrt(40));
    tf.dispose([a, u, s, v]);
  });

  it.each([
    [30, 12],
    [12, 30],
    [2, 3, 20, 9],
  ])('computeU: false gives the same s and V, and U without columns (%i×%i…)', async (...shape) => {
    const a = new Rng(shape.length * 100 + shape[0]!).randomNormal(shape);
    const both = svd(a);
    const right = await expectNoLeaks(() => svd(a, { computeU: false }));
    expect(right.u.shape).toEqual([...shape.slice(0, -1), 0]);
    expect(Array.from(right.s.dataSync())).toEqual(Array.from(both.s.dataSync()));
    expect(Array.from(right.v.dataSync())).toEqual(Array.from(both.v.dataSync()));
    tf.dispose([a, both.u, both.s, both.v, right.u, right.s, right.v]);
  });

  it('rejects bad options with what it expected', () => {
    expect(() => svd(tf.zeros([3, 4]), { k: 2, computeU: false })).toThrow(
      /computeU: false applies to the exact SVD/,
    );
    const a = tf.zeros([3, 4]);
    expect(() => svd(a, { k: 5 })).toThrow(/k must be a number in \[1, 3\], got 5/);
    expect(() => svd(a, { k: 2, full: true })).toThrow(LinalgError);
    expect(() => svd(tf.zeros([3]))).toThrow(LinalgError);
    a.dispose();
  });
});

describe('svd at a medium size (wasm only: cpu would take seconds)', () => {
  it.runIf(process.env.CNN_TEST_BACKEND === 'wasm')(
    'meets the float32 targets on 320×256 Gaussian and 256×192 condition-1e4 matrices',
    async () => {
      for (const { a, ref } of [
        gaussian(new Rng(320), 320, 256),
        withSingularValues(new Rng(256), 256, 192, geometric(192, 1e4)),
      ]) {
        const { u, s, v } = await expectNoLeaks(() => svd(a));
        expect(reconstructionError(a, u, s, v)).toBeLessThan(1e-5);
        expect(orthogonalityError(u)).toBeLessThan(1e-4);
        expect(orthogonalityError(v)).toBeLessThan(1e-4);
        expect(singularValueError(s, referenceSingularValues(ref))).toBeLessThan(1e-4);
        tf.dispose([a, u, s, v]);
      }
    },
  );
});
