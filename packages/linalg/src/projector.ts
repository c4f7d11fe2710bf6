import * as tf from '@tensorflow/tfjs-core';
import { checkTensor, LinalgErrorFor } from './matrix';
import type { RcondOptions } from './pinv';
import { orth } from './subspaces';

/**
 * The orthogonal projector onto the column space of X, P = U Uᵀ with U an orthonormal basis of col(X)
 * (seed 000's geometric view of least squares): P² = P, Pᵀ = P, and P t is the point of col(X) closest to
 * t. m×m: prefer {@link project} for large m, which never forms it. The caller disposes the result.
 *
 * @example
 * ```ts
 * const p = projector(tf.tensor2d([[1], [1]]));   // [[0.5, 0.5], [0.5, 0.5]]
 * ```
 */
export function projector(x: tf.Tensor, options: RcondOptions = {}): tf.Tensor2D {
  const u = orth(x, options);
  try {
    return tf.matMul(u, u, false, true);
  } finally {
    u.dispose();
  }
}

/**
 * Projects the columns of `t` (m×k, or a vector of length m) onto the column space of X: U (Uᵀ t), two
 * thin products — O(m·r·k) work and memory, never the m×m projector. t − P t is orthogonal to col(X) and
 * ‖t‖² = ‖P t‖² + ‖t − P t‖² (Pythagoras). Returns the same shape as `t`; the caller disposes it.
 *
 * @example
 * ```ts
 * const p = project(tf.tensor2d([[1], [0], [0]]), tf.tensor1d([3, 4, 5]));   // [3, 0, 0]
 * ```
 */
export function project(x: tf.Tensor, t: tf.Tensor, options: RcondOptions = {}): tf.Tensor {
  checkTensor('project', 't', t, 1);
  const m = x.shape[0];
  if (t.shape[0] !== m || t.rank > 2) {
    throw LinalgErrorFor(
      'project',
      `t must have ${m} rows like x (a vector of length ${m} or an ${m}×k matrix), got shape [${t.shape.join(', ')}]`,
    );
  }
  const u = orth(x, options);
  try {
    return tf.tidy(() => {
      const t2 = t.rank === 1 ? tf.expandDims(t, 1) : t;
      const p = tf.matMul(u, tf.matMul(u, tf.cast(t2, 'float32') as tf.Tensor2D, true, false));
      return t.rank === 1 ? tf.squeeze(p, [1]) : p;
    });
  } finally {
    u.dispose();
  }
}
