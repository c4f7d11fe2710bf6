import * as tf from '@tensorflow/tfjs-core';
import { checkFinite, checkNumber, checkTensor, EPS32, mapMatrices, withFloat32 } from './matrix';
import { matrixSingularValues, matrixSVD } from './svd';

/** numpy's default cutoff for small singular values, relative to the largest: max(m, n) · ε(float32). */
export function defaultRcond(m: number, n: number): number {
  return Math.max(m, n) * EPS32;
}

export interface RcondOptions {
  /**
   * Singular values at or below `rcond · σ_max` count as zero. Default max(m, n) · ε with ε float32's
   * machine epsilon (numpy's default for `matrix_rank` and `lstsq`).
   */
  rcond?: number;
}

/** The reciprocal of each singular value above the cutoff, 0 for those at or below it. */
export function invertAbove(s: Float32Array, rcond: number): Float32Array {
  const cutoff = rcond * (s[0] ?? 0);
  return Float32Array.from(s, (x) => (x > cutoff && x > 0 ? 1 / x : 0));
}

/**
 * The Moore–Penrose pseudoinverse A⁺ = V S⁺ Uᵀ (numpy.linalg.pinv), from the SVD, singular values at or
 * below `rcond · σ_max` treated as zero. n×m for an m×n A; batched over leading axes. For full column
 * rank A⁺ = (AᵀA)⁻¹Aᵀ, and A⁺b is the least-squares solution of minimum norm in every case (seed 000).
 * The caller disposes the result.
 *
 * @example
 * ```ts
 * const p = pinv(tf.tensor2d([[1, 2], [2, 4], [3, 6]]));   // rank 1: no inverse, still a pseudoinverse
 * ```
 */
export function pinv(a: tf.Tensor, options: RcondOptions = {}): tf.Tensor {
  checkTensor('pinv', 'a', a);
  checkFinite('pinv', 'a', a);
  const [m, n] = a.shape.slice(-2) as [number, number];
  const rcond = options.rcond ?? defaultRcond(m, n);
  checkNumber('pinv', 'rcond', rcond, { min: 0 });
  return withFloat32(
    a,
    (x) =>
      mapMatrices(x, (matrix) => {
        const { u, s, v } = matrixSVD(matrix, false);
        const inv = invertAbove(s.dataSync() as Float32Array, rcond);
        const p = tf.tidy(() => tf.matMul(tf.mul(v, tf.tensor2d(inv, [1, inv.length])), u, false, true));
        tf.dispose([u, s, v]);
        return { p };
      }).p,
  );
}

/** Singular values of each matrix of a batch, as a host array per matrix. */
function singularValues(fn: string, a: tf.Tensor): Float32Array[] {
  checkTensor(fn, 'a', a);
  checkFinite(fn, 'a', a);
  const out: Float32Array[] = [];
  withFloat32(a, (x) =>
    mapMatrices(x, (matrix) => {
      out.push(Float32Array.from(matrixSingularValues(matrix)));
      return {};
    }),
  );
  return out;
}

/**
 * The numerical rank (numpy.linalg.matrix_rank): how many singular values exceed `rcond · σ_max`. A number
 * for a matrix, an array of numbers for a batch (in row-major order of the leading axes).
 *
 * @example
 * ```ts
 * rank(tf.tensor2d([[1, 2], [2, 4]]));   // 1
 * ```
 */
export function rank(a: tf.Tensor, options: RcondOptions = {}): number | number[] {
  const [m, n] = a.shape.slice(-2) as [number, number];
  const rcond = options.rcond ?? defaultRcond(m, n);
  checkNumber('rank', 'rcond', rcond, { min: 0 });
  const ranks = singularValues('rank', a).map((s) => invertAbove(s, rcond).filter((x) => x > 0).length);
  return a.rank === 2 ? ranks[0]! : ranks;
}

/**
 * The 2-norm condition number σ_max / σ_min (numpy.linalg.cond with p = None): `Infinity` for a singular
 * matrix. A number for a matrix, an array for a batch.
 *
 * @example
 * ```ts
 * cond(tf.tensor2d([[1, 0], [0, 1e-3]]));   // 1000
 * ```
 */
export function cond(a: tf.Tensor): number | number[] {
  const conds = singularValues('cond', a).map((s) => {
    const last = s[s.length - 1] ?? 0;
    return last > 0 ? s[0]! / last : Infinity;
  });
  return a.rank === 2 ? conds[0]! : conds;
}
