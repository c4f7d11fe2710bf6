import * as tf from '@tensorflow/tfjs-core';
import { checkFinite, checkNumber, checkTensor, LinalgErrorFor, withFloat32 } from './matrix';
import { defaultRcond, invertAbove, type RcondOptions } from './pinv';
import { matrixSVD } from './svd';

/** The SVD of one matrix and its numerical rank. */
function rankedSVD(fn: string, a: tf.Tensor, options: RcondOptions, full: boolean) {
  checkTensor(fn, 'a', a);
  checkFinite(fn, 'a', a);
  if (a.rank !== 2)
    throw LinalgErrorFor(fn, `a must be a matrix (rank 2), got shape [${a.shape.join(', ')}]`);
  const [m, n] = a.shape as [number, number];
  const rcond = options.rcond ?? defaultRcond(m, n);
  checkNumber(fn, 'rcond', rcond, { min: 0 });
  return withFloat32(a, (x) => {
    const r = matrixSVD(x as tf.Tensor2D, full);
    const rank = invertAbove(r.s.dataSync() as Float32Array, rcond).filter((v) => v > 0).length;
    return { ...r, rank, m, n };
  });
}

/**
 * An orthonormal basis of the range (column space) of A, m×r for rank r (scipy.linalg.orth): the left
 * singular vectors of the r singular values above `rcond · σ_max`. The caller disposes the result.
 *
 * @example
 * ```ts
 * const q = orth(tf.tensor2d([[1, 1], [1, 1], [0, 0]]));   // 3×1: ±[0.707, 0.707, 0]
 * ```
 */
export function orth(a: tf.Tensor, options: RcondOptions = {}): tf.Tensor2D {
  const { u, s, v, rank, m } = rankedSVD('orth', a, options, false);
  const q = tf.slice(u, [0, 0], [m, rank]);
  tf.dispose([u, s, v]);
  return q;
}

/**
 * An orthonormal basis of the null space of A, n×(n − r) (scipy.linalg.null_space): the right singular
 * vectors past the rank, from the full SVD. A x = 0 for every column x. The caller disposes the result.
 *
 * @example
 * ```ts
 * const z = nullSpace(tf.tensor2d([[1, 1]]));   // 2×1: ±[0.707, -0.707]
 * ```
 */
export function nullSpace(a: tf.Tensor, options: RcondOptions = {}): tf.Tensor2D {
  const { u, s, v, rank, n } = rankedSVD('nullSpace', a, options, true);
  const z = tf.slice(v, [0, rank], [n, n - rank]);
  tf.dispose([u, s, v]);
  return z;
}
