import * as tf from '@tensorflow/tfjs-core';
import { signsOfLargest } from './eigh';
import { checkFinite, checkNumber, checkTensor, LinalgErrorFor, mapMatrices, withFloat32 } from './matrix';
import { randomizedSVD } from './randomized_svd';
import { type MatrixSVD, tallSingularValues, tallSVD } from './svd_core';

export interface SVDOptions {
  /**
   * `false` (default): the thin SVD, u m×k and v n×k with k = min(m, n) (numpy's `full_matrices=False`).
   * `true`: u m×m and v n×n, the extra columns an orthonormal basis of the complements.
   */
  full?: boolean;
  /**
   * `false`: skip the left singular vectors, returned with no columns ([..., m, 0]), for callers that need
   * only s and V (PCA): a tall matrix's SVD then saves U's product and its orthonormalisation, the QR of
   * an m×n matrix when A is rank-deficient. Default `true`. Exact SVD only.
   */
  computeU?: boolean;
  /** Only the top `k` singular triplets, by randomized SVD (Halko, Martinsson & Tropp 2011). */
  k?: number;
  /** Randomized SVD: extra sample columns beyond k (default 10). */
  oversample?: number;
  /** Randomized SVD: power (subspace) iterations, each sharpening a slowly decaying spectrum (default 2). */
  powerIters?: number;
  /** Randomized SVD: seed of the Gaussian test matrix (default 0): same seed, same result. */
  seed?: number;
}

export interface SVDResult {
  /** Left singular vectors as columns, [..., m, k] (or [..., m, m] with `full`). */
  u: tf.Tensor;
  /** Singular values, descending, [..., k]. */
  s: tf.Tensor;
  /** Right singular vectors as columns, [..., n, k] (or [..., n, n]): A = U diag(s) Vᵀ. */
  v: tf.Tensor;
}

/**
 * The singular value decomposition A = U diag(s) Vᵀ (numpy.linalg.svd, with V itself rather than Vᵀ),
 * singular values descending, batched over leading axes; wide, tall, rank-deficient and zero matrices alike.
 *
 * Sign convention: each pair (u_j, v_j) is flipped so that the entry of largest magnitude of v_j is
 * positive (the first such entry on a near tie), which makes results comparable across backends and runs.
 * Columns completing a basis (rank-deficient or `full`) are any orthonormal completion.
 *
 * Accuracy (float32): ‖A − U S Vᵀ‖ ≈ 1e-6‖A‖, UᵀU and VᵀV equal I to ~1e-6, each σ within ~1e-6‖A‖ of
 * the exact one, also for ill-conditioned matrices: AᵀA's eigenvectors are only the starting point and a
 * refinement from (AV)ᵀ(AV) recovers the small singular values (see `svd_core.ts`). Work: four m×n by
 * n×n matrix products (8 m·n² flops; two more past condition number 5e3) and about 6 n³ flops of products
 * in the n×n eigenproblem, all on the backend, plus O(n²) sequential work on the host.
 *
 * With `k`, the top k triplets by randomized SVD: u [..., m, k], s [..., k], v [..., n, k]. Accurate when
 * the spectrum decays past k; more `powerIters` when it decays slowly.
 *
 * The caller disposes u, s and v.
 *
 * @example
 * ```ts
 * const a = tf.tensor2d([[3, 0], [4, 5]]);
 * const { u, s, v } = svd(a);
 * s.print();                                            // [6.708, 2.236]
 * tf.matMul(tf.mul(u, s), v, false, true).print();      // ≈ a
 * const top = svd(bigMatrix, { k: 10 });                // randomized, top 10
 * ```
 */
export function svd(a: tf.Tensor, options: SVDOptions = {}): SVDResult {
  checkTensor('svd', 'a', a);
  checkFinite('svd', 'a', a);
  const { full = false, k, computeU = true } = options;
  const [m, n] = a.shape.slice(-2) as [number, number];
  if (k !== undefined) {
    if (!computeU) throw LinalgErrorFor('svd', 'computeU: false applies to the exact SVD, not with k');
    checkNumber('svd', 'k', k, { min: 1, max: Math.min(m, n), integer: true });
    if (full) throw LinalgErrorFor('svd', 'full and k exclude each other: randomized SVD returns k columns');
    const oversample = options.oversample ?? 10;
    const powerIters = options.powerIters ?? 2;
    checkNumber('svd', 'oversample', oversample, { min: 0, integer: true });
    checkNumber('svd', 'powerIters', powerIters, { min: 0, max: 100, integer: true });
    const seed = options.seed ?? 0;
    return withFloat32(a, (x) =>
      mapMatrices(x, (matrix) => signed(randomizedSVD(matrix, k, oversample, powerIters, seed), k)),
    );
  }
  return withFloat32(a, (x) =>
    mapMatrices(x, (matrix) => signed(matrixSVD(matrix, full, computeU), Math.min(m, n))),
  );
}

/**
 * The exact SVD of one matrix: tall ones directly, wide ones through their transpose. Without `computeU`,
 * u has no columns (a wide matrix's U is its transpose's V, which costs little, and is dropped).
 */
export function matrixSVD(a: tf.Tensor2D, full: boolean, computeU = true): MatrixSVD {
  const [m, n] = a.shape;
  if (m === 0 || n === 0) {
    return {
      u: tf.eye(m, full ? m : 0) as tf.Tensor2D,
      s: tf.zeros([0]) as tf.Tensor1D,
      v: tf.eye(n, full ? n : 0) as tf.Tensor2D,
    };
  }
  if (m >= n) return tallSVD(a, full, computeU);
  const at = tf.transpose(a);
  try {
    const r = tallSVD(at, full);
    if (!computeU) {
      r.v.dispose();
      return { u: tf.zeros([m, 0]) as tf.Tensor2D, s: r.s, v: r.u };
    }
    return { u: r.v, s: r.s, v: r.u };
  } finally {
    at.dispose();
  }
}

/** The singular values of one matrix alone, descending: no U, no V (tall directly, wide through Aᵀ). */
export function matrixSingularValues(a: tf.Tensor2D): Float64Array {
  const [m, n] = a.shape;
  if (m === 0 || n === 0) return new Float64Array(0);
  if (m >= n) return tallSingularValues(a);
  const at = tf.transpose(a);
  try {
    return tallSingularValues(at);
  } finally {
    at.dispose();
  }
}

/** Applies the sign convention to the first `k` columns of u and v. */
function signed(r: MatrixSVD, k: number): { u: tf.Tensor; s: tf.Tensor; v: tf.Tensor } {
  if (k === 0) return { ...r };
  const out = tf.tidy(() => {
    const signs = signsOfLargest(tf.slice(r.v, [0, 0], [r.v.shape[0], k]));
    // Columns past k (a full basis's completion) keep their sign.
    const widen = (x: tf.Tensor2D) =>
      x.shape[1] > k ? tf.concat([signs, tf.ones([1, x.shape[1] - k])], 1) : signs;
    // u without columns (computeU: false) stays as it is.
    return { u: r.u.shape[1] === 0 ? tf.clone(r.u) : tf.mul(r.u, widen(r.u)), v: tf.mul(r.v, widen(r.v)) };
  });
  tf.dispose([r.u, r.v]);
  return { u: out.u, s: r.s, v: out.v };
}
