import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { disposeFactor, formQ, householderQR } from './qr';
import type { MatrixSVD } from './svd_core';
import { tallSVD } from './svd_core';

/** An orthonormal basis of the columns of `y` (m×l, m ≥ l): Q of its Householder QR. */
function orthonormalBasis(y: tf.Tensor2D): tf.Tensor2D {
  const f = householderQR(y);
  try {
    return formQ(f, y.shape[1]);
  } finally {
    disposeFactor(f);
  }
}

/**
 * The top k singular triplets of `a` by the randomized range finder of Halko, Martinsson & Tropp (2011,
 * algorithms 4.4 and 5.1): Q spans A Ω for a Gaussian Ω with k + oversample columns, sharpened by
 * `powerIters` subspace iterations (each re-orthonormalised, which keeps small singular values from
 * drowning in roundoff); then the exact SVD of the small Qᵀ A. Every large step is a matrix product.
 */
export function randomizedSVD(
  a: tf.Tensor2D,
  k: number,
  oversample: number,
  powerIters: number,
  seed: number,
): MatrixSVD {
  const [m, n] = a.shape;
  const l = Math.min(k + oversample, m, n);
  const omega = new Rng(seed).randomNormal([n, l]) as tf.Tensor2D;
  const sample = tf.matMul(a, omega) as tf.Tensor2D;
  omega.dispose();
  let q = orthonormalBasis(sample);
  sample.dispose();
  for (let i = 0; i < powerIters; i++) {
    const z = tf.matMul(a, q, true, false) as tf.Tensor2D;
    q.dispose();
    const qz = orthonormalBasis(z);
    z.dispose();
    const y = tf.matMul(a, qz) as tf.Tensor2D;
    qz.dispose();
    q = orthonormalBasis(y);
    y.dispose();
  }
  // Qᵀ A = Ub S Vbᵀ, through its transpose Aᵀ Q (n×l, tall): Aᵀ Q = Vb S Ubᵀ.
  const small = tf.matMul(a, q, true, false) as tf.Tensor2D;
  const r = tallSVD(small, false);
  small.dispose();
  const result = tf.tidy(() => ({
    u: tf.slice(tf.matMul(q, r.v), [0, 0], [m, k]) as tf.Tensor2D,
    s: tf.slice(r.s, [0], [k]) as tf.Tensor1D,
    v: tf.slice(r.u, [0, 0], [n, k]) as tf.Tensor2D,
  }));
  tf.dispose([q, r.u, r.s, r.v]);
  return result;
}
