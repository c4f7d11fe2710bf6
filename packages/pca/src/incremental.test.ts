import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { axisError, correlated, maxAbs, reference, relativeError } from '../test/helpers';
import { PcaError } from './errors';
import { PCA } from './pca';

const SCALES = [5, 3, 2, 1, 0.5, 0.3, 0.2, 0.1];

/** Row batches of `x` of at most `size` rows. */
function batches(x: tf.Tensor2D, size: number): tf.Tensor2D[] {
  const out: tf.Tensor2D[] = [];
  for (let start = 0; start < x.shape[0]; start += size) {
    out.push(tf.slice(x, [start, 0], [Math.min(size, x.shape[0] - start), x.shape[1]]));
  }
  return out;
}

describe('PCA.partialFit (incremental PCA)', () => {
  it('matches fit on all the data when every component is kept', async () => {
    const data = correlated(new Rng(11), 500, SCALES);
    const ref = reference(data);
    const whole = new PCA({ solver: 'full' }).fit(data.tensor);
    const streamed = new PCA();
    const parts = batches(data.tensor, 64);
    for (const batch of parts) streamed.partialFit(batch);
    expect(streamed.nSamplesSeen).toBe(500);
    expect(relativeError(await streamed.explainedVariance.data(), ref.values)).toBeLessThan(1e-4);
    expect(
      relativeError(await streamed.explainedVarianceRatio.data(), await whole.explainedVarianceRatio.data()),
    ).toBeLessThan(1e-4);
    expect(relativeError(await streamed.mean.data(), await whole.mean.data())).toBeLessThan(1e-5);
    expect(axisError(streamed.components, ref.vectors, 8)).toBeLessThan(1e-4);
    // Same signs as fit: both follow the largest-entry-positive convention.
    expect(maxAbs(tf.sub(streamed.components, whole.components))).toBeLessThan(1e-2);
    tf.dispose([...parts, data.tensor]);
    whole.dispose();
    streamed.dispose();
  });

  it('matches fit up to float32 tolerance when the kept components hold the variance', async () => {
    // Rank-3 signal plus faint noise: the discarded directions hold little, as incremental PCA assumes.
    const data = correlated(new Rng(12), 600, [6, 4, 2, 0.01, 0.01, 0.01, 0.01, 0.01]);
    const whole = new PCA({ nComponents: 3, solver: 'full' }).fit(data.tensor);
    const streamed = new PCA({ nComponents: 3 });
    const parts = batches(data.tensor, 50);
    for (const batch of parts) streamed.partialFit(batch);
    expect(
      relativeError(await streamed.explainedVariance.data(), await whole.explainedVariance.data()),
    ).toBeLessThan(1e-3);
    expect(
      relativeError(await streamed.singularValues.data(), await whole.singularValues.data()),
    ).toBeLessThan(1e-3);
    const overlap = tf.tidy(() =>
      tf.sub(1, tf.max(tf.abs(tf.matMul(streamed.components, whole.components, false, true)), 1)),
    );
    expect(maxAbs(overlap)).toBeLessThan(1e-4);
    const a = streamed.transform(data.tensor);
    const b = whole.transform(data.tensor);
    expect(maxAbs(tf.sub(tf.abs(a), tf.abs(b))) / maxAbs(b)).toBeLessThan(1e-3);
    tf.dispose([...parts, overlap, a, b, data.tensor]);
    whole.dispose();
    streamed.dispose();
  });

  it('goes on from a fit', async () => {
    const data = correlated(new Rng(13), 400, SCALES);
    const ref = reference(data);
    const [first, second] = [
      tf.slice(data.tensor, [0, 0], [250, 8]),
      tf.slice(data.tensor, [250, 0], [150, 8]),
    ];
    const pca = new PCA({ solver: 'full' }).fit(first).partialFit(second);
    expect(pca.nSamplesSeen).toBe(400);
    expect(relativeError(await pca.explainedVariance.data(), ref.values)).toBeLessThan(1e-4);
    tf.dispose([first, second, data.tensor]);
    pca.dispose();
  });

  it('leaks no tensors and says what is wrong', () => {
    const data = correlated(new Rng(14), 60, SCALES);
    const before = tf.memory().numTensors;
    const pca = new PCA({ nComponents: 4 });
    const parts = batches(data.tensor, 20);
    for (const batch of parts) pca.partialFit(batch);
    pca.dispose();
    tf.dispose(parts);
    expect(tf.memory().numTensors).toBe(before);
    const small = tf.slice(data.tensor, [0, 0], [3, 8]);
    expect(() => new PCA({ nComponents: 4 }).partialFit(small)).toThrow(/min\(3, 8\) = 3, got 4/);
    expect(() => new PCA({ nComponents: 0.9 }).partialFit(data.tensor)).toThrow(PcaError);
    const fitted = new PCA({ nComponents: 2 }).partialFit(data.tensor);
    expect(() => fitted.partialFit(tf.ones([5, 7]))).toThrow(/expected samples with 8 features/);
    fitted.dispose();
    tf.dispose([small, data.tensor]);
  });
});
