import { Rng } from '@cnn/core';
import { jacobiEigen } from '@cnn/linalg';
import * as tf from '@tensorflow/tfjs-core';

/**
 * `y` [m, l] with its columns made near-orthonormal cheaply: y R⁻¹ with R the Cholesky factor of yᵀy
 * (float64 on the host, l ≤ a few hundred), slightly shifted so a rank-deficient y does not break it. The
 * power iterations only need a well-conditioned basis of the same span (scikit-learn uses LU here).
 */
export function normalise(y: tf.Tensor2D): tf.Tensor2D {
  const l = y.shape[1];
  const product = tf.matMul(y, y, true, false);
  // Not through tf.tidy: it would walk the returned array entry by entry, looking for tensors.
  const g = Float64Array.from(product.dataSync());
  product.dispose();
  let trace = 0;
  for (let i = 0; i < l; i++) trace += g[i * l + i]!;
  const shift = 1e-6 * (trace / l) + Number.MIN_VALUE;
  for (let i = 0; i < l; i++) g[i * l + i]! += shift;
  // Cholesky g = Rᵀ R, R upper triangular (row-major), then R⁻¹ by back substitution.
  const r = new Float64Array(l * l);
  for (let j = 0; j < l; j++) {
    let d = g[j * l + j]!;
    for (let k = 0; k < j; k++) d -= r[k * l + j]! ** 2;
    const rjj = Math.sqrt(Math.max(d, shift));
    r[j * l + j] = rjj;
    for (let i = j + 1; i < l; i++) {
      let s = g[j * l + i]!;
      for (let k = 0; k < j; k++) s -= r[k * l + j]! * r[k * l + i]!;
      r[j * l + i] = s / rjj;
    }
  }
  const inv = new Float64Array(l * l);
  for (let j = 0; j < l; j++) {
    inv[j * l + j] = 1 / r[j * l + j]!;
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let k = i + 1; k <= j; k++) s += r[i * l + k]! * inv[k * l + j]!;
      inv[i * l + j] = -s / r[i * l + i]!;
    }
  }
  return tf.tidy(() => tf.matMul(y, tf.tensor2d(Float32Array.from(inv), [l, l])) as tf.Tensor2D);
}

/**
 * The top `k` singular values and right singular vectors of `x` [n, f] by a randomized range finder
 * (Halko, Martinsson & Tropp 2011, algorithm 4.4) as scikit-learn's `randomized_svd`: a Gaussian sketch of
 * k + `oversample` columns, `powerIters` power iterations normalised by a Cholesky QR on the host (cheap:
 * every large step is one matrix product), an orthonormal basis at the end (Cholesky QR twice), and the SVD of the
 * small projected matrix from its float64 Gram matrix on the host. Returns s [k] and v [f, k]; the caller disposes them.
 *
 * @example
 * ```ts
 * const { s, v } = randomizedRightSVD(centred, 50, 10, 7, 0);
 * ```
 */
export function randomizedRightSVD(
  x: tf.Tensor2D,
  k: number,
  oversample: number,
  powerIters: number,
  seed: number,
): { s: tf.Tensor1D; v: tf.Tensor2D } {
  const [n, f] = x.shape;
  const l = Math.min(k + oversample, n, f);
  const omega = new Rng(seed).randomNormal([f, l]) as tf.Tensor2D;
  let y = tf.matMul(x, omega) as tf.Tensor2D;
  omega.dispose();
  // Xᵀ once: products with a transposed operand run slower on some backends (XNNPACK).
  const xt = powerIters > 0 ? (tf.transpose(x) as tf.Tensor2D) : x;
  for (let i = 0; i < powerIters; i++) {
    const q = normalise(y);
    y.dispose();
    const z = tf.matMul(xt, q) as tf.Tensor2D;
    q.dispose();
    const qz = normalise(z);
    z.dispose();
    y = tf.matMul(x, qz) as tf.Tensor2D;
    qz.dispose();
  }
  if (xt !== x) xt.dispose();
  // An orthonormal basis Q of the sketch (Cholesky QR twice), then B = Xᵀ Q (f×l) on the host: the
  // eigenpairs of BᵀB in float64 give X ≈ Q Ub S Vbᵀ with Vb = B Ub S⁻¹.
  const once = normalise(y);
  y.dispose();
  const q = normalise(once);
  once.dispose();
  const projected = tf.matMul(x, q, true, false) as tf.Tensor2D;
  q.dispose();
  const b = projected.dataSync();
  projected.dispose();
  const { values, vectors } = jacobiEigen(crossProduct(b, b, f, l), l);
  // The k largest eigenpairs, descending.
  const order = Array.from({ length: l }, (_, i) => i).sort((i, j) => values[j]! - values[i]!);
  const s = Float32Array.from({ length: k }, (_, j) => Math.sqrt(Math.max(values[order[j]!]!, 0)));
  const v = new Float32Array(f * k);
  for (let r = 0; r < f; r++) {
    for (let j = 0; j < k; j++) {
      let sum = 0;
      for (let i = 0; i < l; i++) sum += b[r * l + i]! * vectors[i * l + order[j]!]!;
      v[r * k + j] = s[j]! > 0 ? sum / s[j]! : 0;
    }
  }
  return { s: tf.tensor1d(s), v: tf.tensor2d(v, [f, k]) };
}

/**
 * aᵀb (l×l, row-major) in float64 of a, b [f, l] (row-major, on the host), for aᵀb symmetric (BᵀB, Qᵀ(GQ)):
 * its upper triangle, mirrored. The columns as float64 rows first, then dot products with four running
 * sums (~1 ns a multiply-add, 4× the plain triple loop).
 */
export function crossProduct(a: ArrayLike<number>, b: ArrayLike<number>, f: number, l: number): Float64Array {
  const [at, bt] = [new Float64Array(l * f), new Float64Array(l * f)];
  for (let r = 0; r < f; r++) {
    for (let i = 0; i < l; i++) {
      at[i * f + r] = a[r * l + i]!;
      bt[i * f + r] = b[r * l + i]!;
    }
  }
  const t = new Float64Array(l * l);
  const quads = f - (f % 4);
  for (let i = 0; i < l; i++) {
    for (let j = i; j < l; j++) {
      const [x, y] = [i * f, j * f];
      let [s0, s1, s2, s3] = [0, 0, 0, 0];
      for (let r = 0; r < quads; r += 4) {
        s0 += at[x + r]! * bt[y + r]!;
        s1 += at[x + r + 1]! * bt[y + r + 1]!;
        s2 += at[x + r + 2]! * bt[y + r + 2]!;
        s3 += at[x + r + 3]! * bt[y + r + 3]!;
      }
      for (let r = quads; r < f; r++) s0 += at[x + r]! * bt[y + r]!;
      t[i * l + j] = s0 + s1 + s2 + s3;
      t[j * l + i] = t[i * l + j]!;
    }
  }
  return t;
}
