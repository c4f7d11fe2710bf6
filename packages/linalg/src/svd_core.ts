import * as tf from '@tensorflow/tfjs-core';
import { symmetricEigen } from './eigh';
import { download, EPS32, fromHost } from './matrix';
import { disposeFactor, formQ, householderQR } from './qr';
import { refineRotation } from './refine';

/** A thin or full SVD of one matrix, A = U diag(s) Vᵀ, s descending. */
export interface MatrixSVD {
  readonly u: tf.Tensor2D;
  readonly s: tf.Tensor1D;
  readonly v: tf.Tensor2D;
}

/**
 * How U = B diag(σ)⁻¹ is made orthonormal, by σ_min/σ_max. After the refinement B's columns are orthogonal
 * up to float32 roundoff carried from A V₀: measured max|UᵀU − I| ≈ 1–4e-9·σ_max/σ_min (5.7e-6 at condition
 * 5e3, 2.6e-5 at 1e4, 8e-5 at 2e4). Down to `AS_IS_RATIO` U is left as it is (≲ 2e-5, no product); below
 * it one first-order Gram–Schmidt step squares the defect — at 3e-5, (1.2e-7 / 3e-5)² ≈ 2e-5, inside the
 * 1e-4 target; below `FIRST_ORDER_RATIO`, Householder QR.
 */
const AS_IS_RATIO = 2e-4;
const FIRST_ORDER_RATIO = 3e-5;

/**
 * The SVD of a tall or square matrix (m ≥ n), every O(m·n²) step a matrix product on the backend:
 *
 * 1. V₀ from the eigenvectors of AᵀA (symmetricEigen), B = A V₀;
 * 2. one refinement from C = BᵀB (see refine.ts), which restores the small singular values that step 1
 *    lost to the squared condition number: V = V₀ W, B ← B W;
 * 3. σ_j = ‖b_j‖ and U = B diag(σ)⁻¹: orthonormal as it is for condition numbers up to 5e3; beyond, its
 *    columns are made orthonormal in order of decreasing σ — each moved by O(ε σ_max / σ_j), so that
 *    ‖A − U S Vᵀ‖ stays O(ε‖A‖) — by one first-order Gram–Schmidt product, or by Householder QR when some
 *    σ_j is below 3e-5 σ_max, zero, or the complete U (m×m) is asked for (QR completes the basis).
 */
export function tallSVD(a: tf.Tensor2D, full: boolean): MatrixSVD {
  const { v0, b } = refinedBasis(a);
  const n = a.shape[1];
  const v = tf.matMul(v0, b.w) as tf.Tensor2D;
  tf.dispose([v0, b.w]);
  return finish(b.bw, v, n, full);
}

/**
 * The singular values of a tall or square matrix (m ≥ n) alone, descending, by steps 1–2 of `tallSVD` —
 * as accurate, with three m·n² products and the n×n eigenproblem, skipping V = V₀ W and U.
 */
export function tallSingularValues(a: tf.Tensor2D): Float64Array {
  const { v0, b } = refinedBasis(a);
  v0.dispose();
  b.w.dispose();
  const sigma = Float64Array.from(download(() => tf.norm(b.bw, 'euclidean', 0)));
  b.bw.dispose();
  return sigma.sort().reverse();
}

/** Steps 1–2: V₀ from eigh(AᵀA), and B W = A V₀ W with W the refinement from C = (A V₀)ᵀ(A V₀). */
function refinedBasis(a: tf.Tensor2D): { v0: tf.Tensor2D; b: { bw: tf.Tensor2D; w: tf.Tensor2D } } {
  const [m, n] = a.shape;
  const gram = tf.matMul(a, a, true, false) as tf.Tensor2D;
  // Descending order, and B = A V₀ with C = BᵀB.
  const v0 = symmetricEigen(gram, true).vectors;
  gram.dispose();
  const b0 = tf.matMul(a, v0);
  const c = Float64Array.from(download(() => tf.matMul(b0, b0, true, false)));
  let largestDiag = 0;
  for (let i = 0; i < n; i++) largestDiag = Math.max(largestDiag, c[i * n + i]!);
  const tol = Math.max(m, n) * EPS32 * Math.sqrt(largestDiag);
  const { w } = refineRotation(c, n, tol * tol);
  const wt = fromHost(w, n, n);
  const bw = tf.matMul(b0, wt) as tf.Tensor2D;
  b0.dispose();
  return { v0, b: { bw, w: wt } };
}

/** Step 3: σ_j = ‖b_j‖, sorted, and U orthonormalised. Takes ownership of b and v. */
function finish(b: tf.Tensor2D, v: tf.Tensor2D, n: number, full: boolean): MatrixSVD {
  const sigma = Float64Array.from(download(() => tf.norm(b, 'euclidean', 0)));
  // Column norms can come out in a slightly different order than C's diagonal did.
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => sigma[y]! - sigma[x]!);
  const sorted = order.map((i) => sigma[i]!);
  const [vs, bs] = order.every((i, k) => i === k)
    ? [v, b]
    : tf.tidy(() => {
        const idx = tf.tensor1d(order, 'int32');
        return [tf.gather(v, idx, 1), tf.gather(b, idx, 1)] as const;
      });
  if (vs !== v) tf.dispose([v, b]);
  const top = sorted[0] ?? 0;
  const s = tf.tensor1d(Float32Array.from(sorted));
  const smallest = sorted[n - 1] ?? 0;
  const u =
    full || !(smallest > FIRST_ORDER_RATIO * top)
      ? orthonormalQR(bs, sorted, full)
      : smallest > AS_IS_RATIO * top
        ? (tf.tidy(() => tf.div(bs, tf.tensor2d(Float32Array.from(sorted), [1, n]))) as tf.Tensor2D)
        : orthonormalFirstOrder(bs, sorted);
  bs.dispose();
  return { u, s, v: vs };
}

/** U = B diag(σ)⁻¹ with one first-order Gram–Schmidt pass: U ← U (I − strictly-upper(UᵀU − I)). */
function orthonormalFirstOrder(b: tf.Tensor2D, sigma: number[]): tf.Tensor2D {
  const n = sigma.length;
  return tf.tidy(() => {
    const u = tf.div(b, tf.tensor2d(Float32Array.from(sigma), [1, n]));
    const g = tf.matMul(u, u, true, false).dataSync();
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      m[i * n + i] = 1;
      for (let j = i + 1; j < n; j++) m[i * n + j] = -g[i * n + j]!;
    }
    const fixed = tf.matMul(u, fromHost(m, n, n));
    return tf.div(fixed, tf.norm(fixed, 'euclidean', 0, true));
  });
}

/**
 * U from the Householder QR of B diag(σ)⁻¹ — Gram–Schmidt in order of decreasing σ, done stably. Columns
 * of (numerically) zero singular values come out as whatever orthonormal completion the reflectors give,
 * and with `full` Q's further columns complete the basis of Rᵐ.
 */
function orthonormalQR(b: tf.Tensor2D, sigma: number[], full: boolean): tf.Tensor2D {
  const [m, n] = b.shape;
  const cols = full ? m : n;
  const scale = Float32Array.from(sigma, (s) => (s > 0 ? 1 / s : 1));
  const scaled = tf.tidy(() => tf.mul(b, tf.tensor2d(scale, [1, n])) as tf.Tensor2D);
  const f = householderQR(scaled);
  scaled.dispose();
  try {
    // Q's column j is ±u_j: R's diagonal carries the sign.
    const signs = new Float32Array(cols).fill(1);
    for (let j = 0; j < n; j++) signs[j] = f.r[j * n + j]! < 0 ? -1 : 1;
    return tf.tidy(() => tf.mul(formQ(f, cols), tf.tensor2d(signs, [1, cols])));
  } finally {
    disposeFactor(f);
  }
}
