import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { axisError, columnMeans, correlated, maxAbs, reference, relativeError } from '../test/helpers';
import { resolveSolver } from './components';
import { PcaError } from './errors';
import { PCA } from './pca';

const SCALES = [5, 3, 2, 1, 0.5, 0.3, 0.2, 0.1];

describe('PCA (full and covariance_eigh solvers)', () => {
  it.each(['full', 'covariance_eigh'] as const)(
    '%s: finds the eigenvalues and eigenvectors of the sample covariance',
    async (solver) => {
      const data = correlated(new Rng(1), 400, SCALES);
      const ref = reference(data);
      const pca = new PCA({ solver }).fit(data.tensor);
      expect(pca.nComponentsFitted).toBe(8);
      expect(relativeError(await pca.explainedVariance.data(), ref.values)).toBeLessThan(1e-5);
      const trace = ref.values.reduce((a, b) => a + b, 0);
      expect(
        relativeError(
          await pca.explainedVarianceRatio.data(),
          ref.values.map((v) => v / trace),
        ),
      ).toBeLessThan(1e-5);
      const s = await pca.singularValues.data();
      expect(
        relativeError(
          Array.from(s, (x) => (x * x) / 399),
          ref.values,
        ),
      ).toBeLessThan(1e-5);
      expect(relativeError(await pca.mean.data(), columnMeans(data.values, 400, 8))).toBeLessThan(1e-6);
      expect(axisError(pca.components, ref.vectors, 8)).toBeLessThan(1e-5);
      expect(pca.noiseVariance).toBe(0);
      // Sign convention: each component's largest-magnitude entry is positive.
      for (const row of pca.components.arraySync()) {
        const big = row.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
        expect(big).toBeGreaterThan(0);
      }
      pca.dispose();
      data.tensor.dispose();
    },
  );

  it.each([
    [10, 30],
    [40, 30],
  ])(
    'full: matches the reference on %i samples of %i features (direct SVD, wide or not tall enough for QR)',
    async (n, f) => {
      const data = correlated(
        new Rng(n),
        n,
        Array.from({ length: f }, (_, i) => 3 * 0.85 ** i),
      );
      const ref = reference(data);
      const k = Math.min(n - 1, f);
      const pca = new PCA({ solver: 'full', nComponents: k }).fit(data.tensor);
      expect(relativeError(await pca.explainedVariance.data(), ref.values.slice(0, k))).toBeLessThan(1e-4);
      expect(axisError(pca.components, ref.vectors, f)).toBeLessThan(1e-4);
      pca.dispose();
      data.tensor.dispose();
    },
  );

  it('keeps orthonormal components', () => {
    const data = correlated(new Rng(2), 300, SCALES);
    const pca = new PCA({ nComponents: 5 }).fit(data.tensor);
    const gram = tf.matMul(pca.components, pca.components, false, true);
    const eye = tf.eye(5);
    expect(maxAbs(tf.sub(gram, eye))).toBeLessThan(1e-5);
    tf.dispose([gram, eye, data.tensor]);
    pca.dispose();
  });

  it('round-trips at full rank, and its reconstruction error is the discarded variance', async () => {
    const data = correlated(new Rng(3), 300, SCALES);
    const ref = reference(data);
    const full = new PCA().fit(data.tensor);
    const back = full.inverseTransform(full.transform(data.tensor));
    expect(maxAbs(tf.sub(back, data.tensor)) / maxAbs(data.tensor)).toBeLessThan(1e-5);
    for (const k of [1, 3, 6]) {
      const pca = new PCA({ nComponents: k }).fit(data.tensor);
      const z = pca.transform(data.tensor);
      expect(z.shape).toEqual([300, k]);
      const approx = pca.inverseTransform(z);
      const error = tf.tidy(() => tf.sum(tf.square(tf.sub(approx, data.tensor))).dataSync()[0]! / 299);
      const discarded = ref.values.slice(k).reduce((a, b) => a + b, 0);
      expect(Math.abs(error - discarded) / discarded).toBeLessThan(1e-3);
      // noiseVariance: the mean of the discarded eigenvalues.
      expect(Math.abs(pca.noiseVariance - discarded / (8 - k)) / (discarded / (8 - k))).toBeLessThan(1e-4);
      tf.dispose([z, approx]);
      pca.dispose();
    }
    tf.dispose([back, data.tensor]);
    full.dispose();
  });

  it('whitens to unit variance and uncorrelated coordinates, and inverts the whitening', () => {
    const data = correlated(new Rng(4), 500, SCALES);
    const pca = new PCA({ nComponents: 4, whiten: true });
    const z = pca.fitTransform(data.tensor);
    const cov = tf.tidy(() => tf.div(tf.matMul(z, z, true, false), 499));
    const eye = tf.eye(4);
    expect(maxAbs(tf.sub(cov, eye))).toBeLessThan(1e-4);
    const unwhitened = new PCA({ nComponents: 4 }).fit(data.tensor);
    const a = pca.inverseTransform(z);
    const b = unwhitened.inverseTransform(unwhitened.transform(data.tensor));
    expect(maxAbs(tf.sub(a, b)) / maxAbs(b)).toBeLessThan(1e-5);
    tf.dispose([z, cov, eye, a, b, data.tensor]);
    pca.dispose();
    unwhitened.dispose();
  });

  it('picks the smallest k whose variance ratio exceeds a fraction', () => {
    const data = correlated(new Rng(5), 400, SCALES);
    const ref = reference(data);
    const trace = ref.values.reduce((a, b) => a + b, 0);
    for (const fraction of [0.5, 0.8, 0.95, 0.999]) {
      let cumulative = 0;
      let expected = 0;
      while (cumulative <= fraction) cumulative += ref.values[expected++]! / trace;
      const pca = new PCA({ nComponents: fraction }).fit(data.tensor);
      expect(pca.nComponentsFitted).toBe(expected);
      expect(pca.components.shape).toEqual([expected, 8]);
      pca.dispose();
    }
    data.tensor.dispose();
  });

  it('analyses the data about the origin with center: false', () => {
    const data = correlated(new Rng(6), 300, SCALES);
    const ref = reference(data, false);
    const pca = new PCA({ center: false, nComponents: 3 }).fit(data.tensor);
    expect(maxAbs(pca.mean)).toBe(0);
    expect(relativeError(pca.explainedVariance.dataSync(), ref.values.slice(0, 3))).toBeLessThan(1e-5);
    expect(axisError(pca.components, ref.vectors, 8)).toBeLessThan(1e-5);
    pca.dispose();
    data.tensor.dispose();
  });

  it('flattens NHWC images and returns images from inverseTransform', () => {
    const data = correlated(new Rng(7), 200, SCALES);
    const images = tf.reshape(data.tensor, [200, 2, 2, 2]);
    const pca = new PCA({ nComponents: 8 }).fit(images);
    const back = pca.inverseTransform(pca.transform(images));
    expect(back.shape).toEqual([200, 2, 2, 2]);
    expect(maxAbs(tf.sub(back, images)) / maxAbs(images)).toBeLessThan(1e-5);
    // Flattened samples are accepted too.
    const z = pca.transform(data.tensor);
    expect(z.shape).toEqual([200, 8]);
    tf.dispose([images, back, z, data.tensor]);
    pca.dispose();
  });

  it('leaks no tensors', async () => {
    const data = correlated(new Rng(8), 100, SCALES);
    const before = tf.memory().numTensors;
    for (const solver of ['full', 'randomized'] as const) {
      const pca = new PCA({ nComponents: 3, solver, whiten: true }).fit(data.tensor);
      const z = await expectNoLeaks(() => pca.transform(data.tensor));
      const back = await expectNoLeaks(() => pca.inverseTransform(z));
      pca.fit(data.tensor); // refitting frees the previous fit
      tf.dispose([z, back]);
      pca.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    data.tensor.dispose();
  });
});

describe('PCA (randomized solver)', () => {
  it('agrees with the full solver on a decaying spectrum', async () => {
    const scales = Array.from({ length: 40 }, (_, i) => 10 * 0.8 ** i);
    const data = correlated(new Rng(9), 600, scales);
    const full = new PCA({ nComponents: 5, solver: 'full' }).fit(data.tensor);
    const fast = new PCA({ nComponents: 5, solver: 'randomized', seed: 3 }).fit(data.tensor);
    expect(
      relativeError(await fast.explainedVariance.data(), await full.explainedVariance.data()),
    ).toBeLessThan(1e-4);
    expect(
      relativeError(await fast.explainedVarianceRatio.data(), await full.explainedVarianceRatio.data()),
    ).toBeLessThan(1e-4);
    const overlap = tf.tidy(() => tf.abs(tf.matMul(fast.components, full.components, false, true)));
    const diagonal = tf.tidy(() => tf.sub(1, tf.max(overlap, 1)));
    expect(maxAbs(diagonal)).toBeLessThan(1e-4);
    const gram = tf.matMul(fast.components, fast.components, false, true);
    const eye = tf.eye(5);
    expect(maxAbs(tf.sub(gram, eye))).toBeLessThan(1e-5);
    tf.dispose([gram, eye]);
    // Noise variance: what the kept components leave of the total, over the discarded count.
    expect(Math.abs(fast.noiseVariance - full.noiseVariance) / full.noiseVariance).toBeLessThan(1e-3);
    tf.dispose([overlap, diagonal, data.tensor]);
    full.dispose();
    fast.dispose();
  });

  it('handles data of lower rank than its sketch', () => {
    const data = correlated(new Rng(15), 200, [...[4, 2, 1], ...Array<number>(37).fill(0)]);
    const pca = new PCA({ nComponents: 3, solver: 'randomized' }).fit(data.tensor);
    const full = new PCA({ nComponents: 3, solver: 'full' }).fit(data.tensor);
    expect(relativeError(pca.explainedVariance.dataSync(), full.explainedVariance.dataSync())).toBeLessThan(
      1e-4,
    );
    expect(pca.noiseVariance).toBeLessThan(1e-6);
    tf.dispose(data.tensor);
    pca.dispose();
    full.dispose();
  });
});

describe('resolveSolver', () => {
  it("follows scikit-learn's 'auto' rule", () => {
    expect(resolveSolver('auto', 50, 10000, 784)).toBe('covariance_eigh');
    expect(resolveSolver('auto', 50, 5000, 784)).toBe('randomized');
    expect(resolveSolver('auto', 0.9, 5000, 784)).toBe('full');
    expect(resolveSolver('auto', 700, 5000, 784)).toBe('full');
    expect(resolveSolver('auto', 5, 400, 100)).toBe('full');
    expect(resolveSolver('full', 5, 10000, 10)).toBe('full');
  });
});

describe('PCA errors', () => {
  const data = () => correlated(new Rng(10), 20, [3, 2, 1, 0.5]).tensor;
  const throwsPca = (fn: () => unknown, message: RegExp) => {
    expect(fn).toThrow(PcaError);
    expect(fn).toThrow(message);
  };

  it('says what is wrong with the options', () => {
    throwsPca(() => new PCA({ nComponents: -1 }), /nComponents must be an integer in \[1, .*got -1/);
    throwsPca(() => new PCA({ nComponents: 1.5 }), /above 1 must be an integer, got 1.5/);
    throwsPca(
      () => new PCA({ nComponents: 0.9, solver: 'randomized' }),
      /'full', 'covariance_eigh' or 'auto', got 'randomized'/,
    );
    throwsPca(
      () => new PCA({ solver: 'arpack' as 'full' }),
      /solver must be one of full, covariance_eigh, randomized, auto, got arpack/,
    );
    throwsPca(() => new PCA({ seed: 1.5 }), /seed must be a non-negative integer, got 1.5/);
  });

  it('says what is wrong with the data', () => {
    const x = data();
    throwsPca(
      () => new PCA({ nComponents: 5 }).fit(x),
      /≤ min\(n samples, features\) = min\(20, 4\) = 4, got 5/,
    );
    throwsPca(() => new PCA().fit(tf.slice(x, [0, 0], [1, 4])), /at least 2 samples, got 1/);
    throwsPca(() => new PCA().fit(tf.ones([4])), /expected samples \[n, features\].*got shape \[4\]/);
    throwsPca(() => new PCA().fit('x' as unknown as tf.Tensor), /expected a tf.Tensor.*got string/);
    throwsPca(() => new PCA().transform(x), /transform: the PCA is not fitted/);
    throwsPca(() => new PCA().components, /components: the PCA is not fitted/);
    const pca = new PCA({ nComponents: 2 }).fit(x);
    throwsPca(() => pca.transform(tf.ones([3, 5])), /expected samples with 4 features .* got shape \[3, 5\]/);
    throwsPca(
      () => pca.inverseTransform(tf.ones([3, 3])),
      /expected coordinates \[n, 2\], got shape \[3, 3\]/,
    );
    pca.dispose();
    throwsPca(() => pca.transform(x), /not fitted/);
    x.dispose();
  });
});
