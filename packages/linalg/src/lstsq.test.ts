import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gaussian, geometric, singularValueError, withSingularValues } from '../test/helpers';
import { referenceLstsq, referenceSingularValues } from '../test/reference';
import { LinalgError } from './errors';
import { lstsq } from './lstsq';
import { pinv } from './pinv';

const maxAbs = (x: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(x)).dataSync()[0]!);

describe('lstsq', () => {
  it.each(['auto', 'qr', 'svd', 'normal'] as const)(
    'solves a full-rank 60×12 problem like a float64 reference (%s)',
    async (method) => {
      const rng = new Rng(11);
      const { a, ref } = gaussian(rng, 60, 12);
      const b = rng.randomNormal([60]);
      const expected = referenceLstsq(ref, Float64Array.from(b.dataSync()));
      const r = await expectNoLeaks(() => lstsq(a, b, { method }));
      expect(r.x.shape).toEqual([12]);
      expect(r.rank).toBe(12);
      const got = r.x.dataSync();
      const scale = Math.max(...expected.map(Math.abs));
      expected.forEach((e, i) => {
        expect(Math.abs(got[i]! - e) / scale).toBeLessThan(method === 'normal' ? 1e-4 : 1e-5);
      });
      // Residual ⟂ col(A), and numpy's residuals = ‖b − A x‖².
      const res = tf.sub(b, tf.squeeze(tf.matMul(a, tf.expandDims(r.x, 1)), [1]));
      const atr = tf.matMul(a, tf.expandDims(res, 1), true, false);
      expect(maxAbs(atr) / (maxAbs(a) * maxAbs(b) * 60)).toBeLessThan(1e-6);
      const sq = tf.sum(tf.square(res)).dataSync()[0]!;
      expect(Math.abs(r.residuals.dataSync()[0]! - sq) / sq).toBeLessThan(1e-4);
      expect(r.s.shape).toEqual([12]);
      expect(singularValueError(r.s, referenceSingularValues(ref))).toBeLessThan(1e-5);
      tf.dispose([a, b, r.x, r.residuals, r.s, res, atr]);
    },
  );

  it('gives the minimum-norm solution of rank-deficient and underdetermined problems, equal to pinv(A) b', async () => {
    const rng = new Rng(5);
    const deficient = withSingularValues(rng, 40, 15, [4, 3, 2, 1, 0.5, 0.25]).a;
    const wide = rng.randomNormal([8, 20]);
    for (const [a, method] of [
      [deficient, 'auto'],
      [wide, 'auto'],
      [wide, 'qr'],
    ] as const) {
      const b = rng.randomNormal([a.shape[0], 3]);
      const r = await expectNoLeaks(() => lstsq(a, b, { method }));
      const p = pinv(a);
      const viaPinv = tf.matMul(p, b);
      expect(maxAbs(tf.sub(r.x, viaPinv)) / maxAbs(viaPinv)).toBeLessThan(1e-4);
      expect(r.rank).toBe(a === deficient ? 6 : 8);
      expect(r.residuals.shape).toEqual([0]);
      tf.dispose([b, r.x, r.residuals, r.s, p, viaPinv]);
    }
    tf.dispose([deficient, wide]);
  });

  it.each([
    [90, 70],
    [70, 70],
  ])(
    'solves %i×%i with three right-hand sides by QR (several panels, b carried through the factorization)',
    async (m, n) => {
      const rng = new Rng(m * n);
      const { a, ref } = gaussian(rng, m, n);
      const b = rng.randomNormal([m, 3]) as tf.Tensor2D;
      const bData = b.dataSync();
      const r = await expectNoLeaks(() => lstsq(a, b, { method: 'qr' }));
      expect(r.x.shape).toEqual([n, 3]);
      const got = r.x.dataSync();
      for (let c = 0; c < 3; c++) {
        const column = Float64Array.from({ length: m }, (_, i) => bData[i * 3 + c]!);
        const expected = referenceLstsq(ref, column);
        const scale = Math.max(...expected.map(Math.abs));
        // A Gaussian square matrix is less well conditioned (cond ~ n): a looser bound there.
        expected.forEach((e, i) => {
          expect(Math.abs(got[i * 3 + c]! - e) / scale).toBeLessThan(m === n ? 1e-3 : 1e-5);
        });
      }
      tf.dispose([a, b, r.x, r.residuals, r.s]);
    },
  );

  it.each([
    ['qr', 50, 20],
    ['qr', 20, 50],
    ['auto', 50, 20],
    ['svd', 20, 50],
  ] as const)(
    'returns the singular values of an ill-conditioned A (cond 1e4) on the %s path, %i×%i',
    async (method, m, n) => {
      const rng = new Rng(m + n);
      const k = Math.min(m, n);
      const { a, ref } = withSingularValues(rng, m, n, geometric(k, 1e4));
      const b = rng.randomNormal([m]);
      const expected = referenceSingularValues(ref);
      const r = await expectNoLeaks(() => lstsq(a, b, { method }));
      const got = r.s.dataSync();
      expect(got.length).toBe(k);
      // Relative to each σᵢ, not only to σ₁: the smallest is 1e-4 σ₁.
      expected.forEach((e, i) => {
        expect(Math.abs(got[i]! - e) / e).toBeLessThan(1e-3);
      });
      expect(singularValueError(r.s, expected)).toBeLessThan(1e-5);
      tf.dispose([a, b, r.x, r.residuals, r.s]);
    },
  );

  it('returns √eig(AᵀA) on the normal path: accurate for σᵢ well above ε·σ₁²', async () => {
    const rng = new Rng(3);
    const { a, ref } = withSingularValues(rng, 40, 10, geometric(10, 100));
    const b = rng.randomNormal([40]);
    const r = await expectNoLeaks(() => lstsq(a, b, { method: 'normal' }));
    expect(singularValueError(r.s, referenceSingularValues(ref))).toBeLessThan(1e-5);
    tf.dispose([a, b, r.x, r.residuals, r.s]);
  });

  it('refuses what a method cannot do, saying why', () => {
    const a = tf.tensor2d([
      [1, 2],
      [2, 4],
      [3, 6],
    ]);
    const b = tf.tensor1d([1, 2, 3]);
    expect(() => lstsq(a, b, { method: 'qr' })).toThrow(/rank-deficient/);
    expect(() => lstsq(a, b, { method: 'normal' })).toThrow(LinalgError);
    expect(() => lstsq(a, tf.tensor1d([1, 2]))).toThrow(/length 3.*got shape \[2\]/);
    tf.dispose([a, b]);
  });
});
