import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { axisError, correlated, covariance, type Data, jacobiEigen, relativeError } from '../test/helpers';
import { sparseGramPays } from './gram_route';
import { PCA } from './pca';

const SCALES = [5, 3, 2, 1.5, 1, 0.7, 0.5, 0.3, 0.2, 0.1, 0.05, 0.02];

/** Correlated samples with all but a share `density` of the entries set to zero (a blank background). */
function sparse(seed: number, n: number, density: number, scales = SCALES): Data {
  const data = correlated(new Rng(seed), n, scales, 1);
  const rng = new Rng(seed + 100);
  const values = Float64Array.from(data.values, (v) => (rng.uniform() < density ? v : 0));
  data.tensor.dispose();
  return { ...data, values, tensor: tf.tensor2d(Float32Array.from(values), [n, data.f]) };
}

describe('PCA through the float64 Gram matrix (tall sparse data)', () => {
  it('takes the route only for tall data sparse enough', () => {
    const thin = sparse(1, 500, 0.2);
    const dense = sparse(2, 500, 1);
    const wide = sparse(3, 8, 0.2);
    expect(sparseGramPays(thin.tensor)).toBe(true);
    expect(sparseGramPays(dense.tensor)).toBe(false);
    expect(sparseGramPays(wide.tensor)).toBe(false);
    tf.dispose([thin.tensor, dense.tensor, wide.tensor]);
  });

  it.each(['full', 'covariance_eigh'] as const)(
    '%s: the covariance’s eigenpairs, all of them, with the noise variance of the rest',
    async (solver) => {
      const data = sparse(4, 600, 0.2);
      const f = data.f;
      const ref = jacobiEigen(covariance(data.values, data.n, f), f);
      const all = new PCA({ solver }).fit(data.tensor);
      expect(relativeError(await all.explainedVariance.data(), ref.values)).toBeLessThan(1e-6);
      expect(axisError(all.components, ref.vectors, f)).toBeLessThan(1e-6);
      const five = new PCA({ solver, nComponents: 5 }).fit(data.tensor);
      expect(relativeError(await five.explainedVariance.data(), ref.values.slice(0, 5))).toBeLessThan(1e-6);
      const tail = ref.values.slice(5).reduce((a, b) => a + b, 0) / (f - 5);
      expect(Math.abs(five.noiseVariance - tail) / tail).toBeLessThan(1e-6);
      const total = ref.values.reduce((a, b) => a + b, 0);
      expect(
        relativeError(
          await five.explainedVarianceRatio.data(),
          ref.values.slice(0, 5).map((v) => v / total),
        ),
      ).toBeLessThan(1e-6);
      // A fraction of variance: the smallest k whose cumulative share exceeds it.
      let k = 0;
      for (let sum = 0; sum <= 0.9 * total; k++) sum += ref.values[k]!;
      expect(new PCA({ solver, nComponents: 0.9 }).fit(data.tensor).nComponentsFitted).toBe(k);
      all.dispose();
      five.dispose();
      data.tensor.dispose();
    },
  );

  it('randomized: the leading eigenpairs, from the range finder run on the Gram matrix', async () => {
    const data = sparse(5, 600, 0.2);
    const ref = jacobiEigen(covariance(data.values, data.n, data.f), data.f);
    const pca = new PCA({ solver: 'randomized', nComponents: 4, powerIters: 4, seed: 3 }).fit(data.tensor);
    expect(relativeError(await pca.explainedVariance.data(), ref.values.slice(0, 4))).toBeLessThan(1e-4);
    expect(axisError(pca.components, ref.vectors, data.f)).toBeLessThan(1e-4);
    const total = ref.values.reduce((a, b) => a + b, 0);
    const kept = ref.values.slice(0, 4).reduce((a, b) => a + b, 0);
    expect(Math.abs(pca.noiseVariance - (total - kept) / (data.f - 4))).toBeLessThan(1e-4 * total);
    pca.dispose();
    data.tensor.dispose();
  });

  it.each(['full', 'randomized'] as const)('%s leaves no tensor behind', async (solver) => {
    const data = sparse(8, 300, 0.2);
    expect(sparseGramPays(data.tensor)).toBe(true);
    await expectNoLeaks(() => new PCA({ solver, nComponents: 3 }).fit(data.tensor).dispose());
    data.tensor.dispose();
  });

  it('without centring: the eigenpairs of XᵀX/(n − 1) and a zero mean', async () => {
    const data = sparse(6, 500, 0.2);
    const ref = jacobiEigen(covariance(data.values, data.n, data.f, false), data.f);
    const pca = new PCA({ solver: 'full', center: false, nComponents: 6 }).fit(data.tensor);
    expect(relativeError(await pca.explainedVariance.data(), ref.values.slice(0, 6))).toBeLessThan(1e-6);
    expect(Array.from(await pca.mean.data()).every((v) => v === 0)).toBe(true);
    pca.dispose();
    data.tensor.dispose();
  });

  it('keeps variances down to 1e-10 of the largest to within 1e-12 of it, which float32 products cannot', async () => {
    // Pairs of sparse sources of standard deviations (large, small) turned by 45°: each small direction
    // shares its two features with a large one, so float32 products (2⁻²⁴ of the large variance) bury it.
    const pairs = [
      [10, 1e-4],
      [3, 3e-4],
      [1, 1e-3],
      [0.3, 3e-3],
      [0.1, 1e-2],
    ];
    const [n, f] = [3000, 2 * pairs.length];
    const rng = new Rng(7);
    const values = new Float64Array(n * f);
    for (let r = 0; r < n; r++) {
      for (const [p, [big, small]] of pairs.entries()) {
        const a = rng.uniform() < 0.08 ? big! * rng.normal() : 0;
        const b = rng.uniform() < 0.08 ? small! * rng.normal() : 0;
        values[r * f + 2 * p] = Math.fround((a + b) / Math.SQRT2);
        values[r * f + 2 * p + 1] = Math.fround((a - b) / Math.SQRT2);
      }
    }
    const x = tf.tensor2d(Float32Array.from(values), [n, f]);
    expect(sparseGramPays(x)).toBe(true);
    const ref = jacobiEigen(covariance(values, n, f), f);
    expect(ref.values[f - 1]! / ref.values[0]!).toBeLessThan(3e-10);
    const pca = new PCA({ solver: 'full' }).fit(x);
    const got = await pca.explainedVariance.data();
    // Float64 rounding leaves errors of ~1e-14 of the largest variance (the reference's own are as large);
    // float32 products leave ~1e-8 of it, thousands of times the smallest variances here.
    const top = ref.values[0]!;
    for (let i = 0; i < f; i++) {
      expect(Math.abs(got[i]! - ref.values[i]!)).toBeLessThan(1e-12 * top + 1e-6 * ref.values[i]!);
    }
    pca.dispose();
    x.dispose();
  });
});
