import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { orthogonalityError } from '../test/helpers';
import { host, referenceEigenvalues } from '../test/reference';
import { eigh, symmetricEigen } from './eigh';
import { LinalgError } from './errors';
import { qr } from './qr';

function symmetric(rng: Rng, n: number): tf.Tensor2D {
  return tf.tidy(() => {
    const x = rng.randomNormal([n, n]);
    return tf.add(x, tf.transpose(x)) as tf.Tensor2D;
  });
}

describe('eigh', () => {
  it.each([1, 2, 7, 40, 75])('diagonalises a symmetric matrix of order %i', async (n) => {
    const a = symmetric(new Rng(n), n);
    const { values, vectors } = await expectNoLeaks(() => eigh(a));
    expect(orthogonalityError(vectors)).toBeLessThan(1e-5);
    const av = tf.matMul(a, vectors);
    const vl = tf.mul(vectors, tf.expandDims(values, 0));
    const scale = Math.abs(referenceEigenvalues(host(n, n, a.dataSync())).at(-1)!) + 1;
    expect(tf.max(tf.abs(tf.sub(av, vl))).dataSync()[0]! / scale).toBeLessThan(1e-5);
    const ref = referenceEigenvalues(host(n, n, a.dataSync()));
    const got = values.dataSync();
    ref.forEach((r, i) => {
      expect(Math.abs(got[i]! - r) / scale).toBeLessThan(1e-5);
    });
    tf.dispose([a, values, vectors, av, vl]);
  });

  it('separates a cluster of eigenvalues 1e-7 apart from a wide spectrum (order 200, seven panels)', () => {
    const n = 200;
    const lambdas = Array.from({ length: n }, (_, i) => (i < 20 ? 1 + 1e-7 * i : i - 18));
    const q = qr(new Rng(5).randomNormal([n, n])).q as tf.Tensor2D;
    const a = tf.tidy(() => tf.matMul(tf.mul(q, tf.tensor1d(lambdas)), q, false, true) as tf.Tensor2D);
    const { values, vectors } = eigh(a);
    expect(orthogonalityError(vectors)).toBeLessThan(1e-5);
    const residual = tf.tidy(
      () =>
        tf
          .max(tf.abs(tf.sub(tf.matMul(a, vectors), tf.mul(vectors, tf.expandDims(values, 0)))))
          .dataSync()[0]!,
    );
    expect(residual / (n - 18)).toBeLessThan(1e-5);
    const got = values.dataSync();
    const worst = Math.max(...lambdas.map((l, i) => Math.abs(got[i]! - l)));
    expect(worst / (n - 18)).toBeLessThan(1e-5);
    tf.dispose([q, a, values, vectors]);
  });

  it('gives the same decomposition with its first panels on the backend (orders past the host limit)', () => {
    const a = symmetric(new Rng(8), 100);
    const onHost = symmetricEigen(a, false);
    const mixed = symmetricEigen(a, false, 50); // panels at orders 100 and 68 on the backend, then the host
    const scale = Math.abs(onHost.values[99]!);
    onHost.values.forEach((v, i) => {
      expect(Math.abs(mixed.values[i]! - v) / scale).toBeLessThan(1e-5);
    });
    const residual = tf.tidy(() => {
      const vl = tf.mul(mixed.vectors, tf.tensor2d(Float32Array.from(mixed.values), [1, 100]));
      return tf.max(tf.abs(tf.sub(tf.matMul(a, mixed.vectors), vl))).dataSync()[0]!;
    });
    expect(residual / scale).toBeLessThan(1e-5);
    expect(orthogonalityError(mixed.vectors)).toBeLessThan(1e-5);
    tf.dispose([a, onHost.vectors, mixed.vectors]);
  });

  it('handles repeated eigenvalues, a diagonal matrix and batches', () => {
    const a = tf.stack([tf.eye(4), tf.diag(tf.tensor1d([3, -1, 2, 0]))]);
    const { values, vectors } = eigh(a);
    expect(Array.from(values.dataSync())).toEqual([1, 1, 1, 1, -1, 0, 2, 3]);
    expect(orthogonalityError(tf.squeeze(tf.slice(vectors, [0, 0, 0], [1, 4, 4]), [0]))).toBeLessThan(1e-6);
    tf.dispose([a, values, vectors]);
  });

  it('rejects non-square input', () => {
    expect(() => eigh(tf.zeros([2, 3]))).toThrow(LinalgError);
    expect(() => eigh(tf.zeros([2, 3]))).toThrow(/square.*\[2, 3\]/);
  });
});
