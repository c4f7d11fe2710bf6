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
 * up to float32 roundoff carried from A V₀: measured max|UᵀU − I| ≈ 1–4e-9·σ_max/σ_min (4–11e-6 at condition
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
 *    lost to the squared condition number: V = V₀ W, and σ_j² the diagonal of WᵀCW (float64, descending);
 * 3. U = B W diag(σ)⁻¹, one product: orthonormal as it is for condition numbers up to 5e3; beyond, its
 *    columns are made orthonormal in order of decreasing σ — each moved by O(ε σ_max / σ_j), so that
 *    ‖A − U S Vᵀ‖ stays O(ε‖A‖) — by one first-order Gram–Schmidt product, or by Householder QR when some
 *    σ_j is below 3e-5 σ_max, zero, or the complete U (m×m) is asked for (QR completes the basis).
 */
export function tallSVD(a: tf.Tensor2D, full: boolean, computeU = true): MatrixSVD {
  const { v0, b0, w, sigma } = refinedBasis(a);
  const [m, n] = a.shape;
  const v = tf.tidy(() => tf.matMul(v0, fromHost(w, n, n)) as tf.Tensor2D);
  const s = tf.tensor1d(Float32Array.from(sigma));
  v0.dispose();
  if (!computeU) {
    b0.dispose();
    return { u: tf.zeros([m, 0]) as tf.Tensor2D, s, v };
  }
  // W with column j scaled by 1/σ_j (1 where σ_j is zero or too small to invert in float32).
  const scaled = w.slice();
  for (let j = 0; j < n; j++) {
    const inverse = sigma[j]! > 0 ? 1 / sigma[j]! : 1;
    const f = inverse < 1e30 ? inverse : 1;
    for (let i = 0; i < n; i++) scaled[i * n + j] = scaled[i * n + j]! * f;
  }
  const u = tf.tidy(() => tf.matMul(b0, fromHost(scaled, n, n)) as tf.Tensor2D);
  b0.dispose();
  return { u: orthonormal(u, sigma, full), s, v };
}

/**
 * The singular values of a tall or square matrix (m ≥ n) alone, descending, by steps 1–2 of `tallSVD` —
 * as accurate, with three m·n² products and the n×n eigenproblem, skipping V = V₀ W and U.
 */
export function tallSingularValues(a: tf.Tensor2D): Float64Array {
  const { v0, b0, sigma } = refinedBasis(a);
  tf.dispose([v0, b0]);
  return sigma;
}

/** Steps 1–2: V₀ from eigh(AᵀA), B = A V₀, and the refinement W, σ from C = BᵀB. */
function refinedBasis(a: tf.Tensor2D): {
  v0: tf.Tensor2D;
  b0: tf.Tensor2D;
  w: Float64Array;
  sigma: Float64Array;
} {
  const [m, n] = a.shape;
  const gram = tf.matMul(a, a, true, false) as tf.Tensor2D;
  // Descending order, and B = A V₀ with C = BᵀB.
  const v0 = symmetricEigen(gram, true).vectors;
  gram.dispose();
  const b0 = tf.matMul(a, v0) as tf.Tensor2D;
  const c = Float64Array.from(download(() => tf.matMul(b0, b0, true, false)));
  let largestDiag = 0;
  for (let i = 0; i < n; i++) largestDiag = Math.max(largestDiag, c[i * n + i]!);
  const tol = Math.max(m, n) * EPS32 * Math.sqrt(largestDiag);
  const { w, diag } = refineRotation(c, n, tol * tol);
  return { v0, b0, w, sigma: diag.map((d) => Math.sqrt(Math.max(d, 0))) };
}

/** Step 3 for U = B W diag(σ)⁻¹ (σ descending): as it is, or orthonormalised. Takes ownership of u. */
function orthonormal(u: tf.Tensor2D, sigma: Float64Array, full: boolean): tf.Tensor2D {
  const n = sigma.length;
  const top = sigma[0] ?? 0;
  const smallest = sigma[n - 1] ?? 0;
  // Kept as it is, columns are still made unit by their own norms: σ² from C's diagonal is off by C's
  // float32 rounding (~1e-5 at condition 5e3), which would show in UᵀU's diagonal.
  const out =
    full || !(smallest > FIRST_ORDER_RATIO * top)
      ? orthonormalQR(u, full)
      : smallest > AS_IS_RATIO * top
        ? unitColumns(u)
        : orthonormalFirstOrder(u);
  u.dispose();
  return out;
}

/** One first-order Gram–Schmidt pass: U ← U (I − strictly-upper(UᵀU − I)), columns then normalised. */
function orthonormalFirstOrder(u: tf.Tensor2D): tf.Tensor2D {
  const n = u.shape[1];
  return tf.tidy(() => {
    const g = tf.matMul(u, u, true, false).dataSync();
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      m[i * n + i] = 1;
      for (let j = i + 1; j < n; j++) m[i * n + j] = -g[i * n + j]!;
    }
    return unitColumns(tf.matMul(u, fromHost(m, n, n)) as tf.Tensor2D);
  });
}

/** x with each column divided by its norm: √Σx² rather than tf.norm, whose Pow takes 38 ms on wasm at 1000 × 784. */
function unitColumns(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.sqrt(tf.sum(tf.square(x), 0, true))));
}

/**
 * U from the Householder QR of U = B diag(σ)⁻¹ — Gram–Schmidt in order of decreasing σ, done stably.
 * Columns of (numerically) zero singular values come out as whatever orthonormal completion the
 * reflectors give, and with `full` Q's further columns complete the basis of Rᵐ.
 */
function orthonormalQR(u: tf.Tensor2D, full: boolean): tf.Tensor2D {
  const [m, n] = u.shape;
  const cols = full ? m : n;
  const f = householderQR(u);
  try {
    // Q's column j is ±u_j: R's diagonal carries the sign.
    const signs = new Float32Array(cols).fill(1);
    for (let j = 0; j < n; j++) signs[j] = f.r[j * n + j]! < 0 ? -1 : 1;
    return tf.tidy(() => tf.mul(formQ(f, cols), tf.tensor2d(signs, [1, cols])));
  } finally {
    disposeFactor(f);
  }
}
