import * as tf from '@tensorflow/tfjs-core';
import { compactWY, makeReflector } from './householder';
import { checkTensor, download, fromHost, LinalgErrorFor, mapMatrices, withFloat32 } from './matrix';
import { applyQTransposed, PANEL, type Panel } from './qr';
import { simdSymmetric } from './symv_simd';
import { tridiagonalEigen } from './tridiagonal';

/** A Householder tridiagonalization A = Q T Qᵀ: T's diagonal and off-diagonal on the host, Q as panels. */
interface Tridiagonal {
  readonly d: Float64Array;
  readonly e: Float64Array;
  readonly panels: readonly Panel[];
}

/**
 * Up to this order of the trailing matrix, the per-column product of the tridiagonalization runs on the
 * host (float32 entries, float64 sums, ~1.5 ns an entry while the matrix fits in cache) on a copy
 * downloaded once per panel: a backend round trip costs 1–2 ms whatever the size (upload, dispatch,
 * read-back). Measured on wasm: 1.7 ms host against 3.4 ms backend at 1024, 5.1 against 3.8 at 1500.
 * Larger trailing matrices (the first panels of n > 1280) use the backend's product.
 */
const HOST_MATVEC_MAX = 1280;

/**
 * y[start..len) = A[start.., start..] x[start..) for A len×len row-major (symmetric, so rows serve as
 * columns); y's first `start` entries are left alone (the reduction never reads them).
 */
function symmetricTimesVector(
  a: Float32Array,
  len: number,
  start: number,
  x: Float64Array,
  y: Float64Array,
): void {
  // Four rows at a time: each x[j] loaded once for four products (~1.4 ns an entry against ~2.7 one row at
  // a time).
  let i = start;
  for (; i + 3 < len; i += 4) {
    const r0 = i * len;
    const r1 = r0 + len;
    const r2 = r1 + len;
    const r3 = r2 + len;
    let y0 = 0;
    let y1 = 0;
    let y2 = 0;
    let y3 = 0;
    for (let j = start; j < len; j++) {
      const xj = x[j]!;
      y0 += a[r0 + j]! * xj;
      y1 += a[r1 + j]! * xj;
      y2 += a[r2 + j]! * xj;
      y3 += a[r3 + j]! * xj;
    }
    y[i] = y0;
    y[i + 1] = y1;
    y[i + 2] = y2;
    y[i + 3] = y3;
  }
  for (; i < len; i++) y[i] = dot32(a, i * len, x, start, len);
}

/** Σ a[offset + k] x[k] over k in [from, to). */
function dot32(a: Float32Array, offset: number, x: Float64Array, from: number, to: number): number {
  let sum = 0;
  for (let k = from; k < to; k++) sum += a[offset + k]! * x[k]!;
  return sum;
}

/** Σ x[k] y[k] over k in [from, to). Small functions: V8 optimises their loops reliably. */
function dot(x: Float64Array, y: Float64Array, from: number, to: number): number {
  let sum = 0;
  for (let k = from; k < to; k++) sum += x[k]! * y[k]!;
  return sum;
}

/** y[k] += α x[k] + β z[k] over k in [from, to). */
function axpy2(
  y: Float64Array,
  from: number,
  to: number,
  x: Float64Array,
  alpha: number,
  z: Float64Array,
  beta: number,
): void {
  for (let k = from; k < to; k++) y[k] = y[k]! + alpha * x[k]! + beta * z[k]!;
}

/** The block [b.., b..] of a len×len row-major matrix. */
function trailingBlock(a: Float32Array, len: number, b: number): Float32Array {
  const rest = len - b;
  const out = new Float32Array(rest * rest);
  for (let r = 0; r < rest; r++) out.set(a.subarray((b + r) * len + b, (b + r + 1) * len), r * rest);
  return out;
}

/**
 * Reduces symmetric `a` (n×n) to tridiagonal form, blocked as LAPACK's dsytrd/dlatrd (lower): within a
 * panel each column's reflector is made on the host and its one product with the trailing matrix runs on
 * the backend; at the end of the panel the trailing matrix takes all of the panel's reflectors at once as
 * one rank-2b product — half the O(n³) work in matrix products, the other half in matrix-vector ones.
 */
function tridiagonalize(a: tf.Tensor2D): Tridiagonal {
  const n = a.shape[0];
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(0, n - 1));
  const panels: Panel[] = [];
  let cur: tf.Tensor2D = tf.tidy(() => tf.mul(tf.add(a, tf.transpose(a)), 0.5));
  for (let i = 0; i < n; i += PANEL) {
    const len = n - i;
    const b = Math.min(PANEL, len);
    // Small trailing matrices come to the host whole, once per panel, for the per-column products there.
    const whole = len <= HOST_MATVEC_MAX ? (cur.dataSync() as Float32Array) : undefined;
    const simd = whole && simdSymmetric(whole, len);
    const top = whole ?? (b === len ? cur : tf.slice(cur, [0, 0], [b, len]));
    const p = Float64Array.from(whole ? whole.subarray(0, b * len) : (top as tf.Tensor).dataSync());
    if (top !== cur && top !== whole) (top as tf.Tensor).dispose();
    const v = new Float64Array(b * len);
    const w = new Float64Array(b * len);
    const taus = new Float64Array(b);
    for (let r = 0; r < b; r++) {
      const col = p.subarray(r * len, (r + 1) * len);
      // The column as the panel's earlier reflectors left it: A − V Wᵀ − W Vᵀ, rows r.. only.
      for (let s = 0; s < r; s++) {
        const vs = v.subarray(s * len, (s + 1) * len);
        const ws = w.subarray(s * len, (s + 1) * len);
        axpy2(col, r, len, vs, -ws[r]!, ws, -vs[r]!);
      }
      d[i + r] = col[r]!;
      if (i + r === n - 1) break;
      const { tau, beta } = makeReflector(col, r + 1, len);
      e[i + r] = beta;
      taus[r] = tau;
      const vr = v.subarray(r * len, (r + 1) * len);
      vr[r + 1] = 1;
      for (let k = r + 2; k < len; k++) vr[k] = col[k]!;
      if (tau === 0) continue;
      const wr = w.subarray(r * len, (r + 1) * len);
      if (simd) {
        simd.times(vr, r + 1, wr);
      } else if (whole) {
        symmetricTimesVector(whole, len, r + 1, vr, wr);
      } else {
        const y = download(() => tf.matMul(cur, fromHost(vr, len, 1)));
        for (let k = 0; k < len; k++) wr[k] = y[k]!;
      }
      // Rows ≤ r of w are never read again: only r + 1.. is kept up to date.
      for (let s = 0; s < r; s++) {
        const vs = v.subarray(s * len, (s + 1) * len);
        const ws = w.subarray(s * len, (s + 1) * len);
        axpy2(wr, r + 1, len, vs, -dot(ws, vr, r + 1, len), ws, -dot(vs, vr, r + 1, len));
      }
      let wv = 0;
      for (let k = r + 1; k < len; k++) {
        wr[k] = wr[k]! * tau;
        wv += wr[k]! * vr[k]!;
      }
      const alpha = -0.5 * tau * wv;
      for (let k = r + 1; k < len; k++) wr[k] = wr[k]! + alpha * vr[k]!;
    }
    // Reflectors as rows of length n for the back-transformation (zeros above each one's start).
    const rows = new Float64Array(b * n);
    for (let r = 0; r < b; r++) {
      for (let k = r + 1; k < len; k++) rows[r * n + i + k] = v[r * len + k]!;
    }
    panels.push({ vt: fromHost(rows, b, n), t: fromHost(compactWY(v, taus, b, len), b, b), offset: i + 1 });
    const rest = len - b;
    if (rest <= 0) break;
    // Trailing update A ← A − V Wᵀ − W Vᵀ as one product [V W]·[W V]ᵀ of inner size 2b.
    const left = new Float64Array(rest * 2 * b);
    const right = new Float64Array(2 * b * rest);
    for (let r = 0; r < b; r++) {
      for (let k = 0; k < rest; k++) {
        const vk = v[r * len + b + k]!;
        const wk = w[r * len + b + k]!;
        left[k * 2 * b + r] = vk;
        left[k * 2 * b + b + r] = wk;
        right[r * rest + k] = wk;
        right[(b + r) * rest + k] = vk;
      }
    }
    const next: tf.Tensor2D = tf.tidy(() =>
      tf.sub(
        // tf.slice costs milliseconds on wasm; the host copy gives the trailing block cheaper.
        whole ? tf.tensor2d(trailingBlock(whole, len, b), [rest, rest]) : tf.slice(cur, [b, b], [rest, rest]),
        tf.matMul(fromHost(left, rest, 2 * b), fromHost(right, 2 * b, rest)),
      ),
    );
    cur.dispose();
    cur = next;
  }
  if (!cur.isDisposed) cur.dispose();
  return { d, e, panels };
}

/**
 * Eigenvalues (ascending, or descending with `descending`) and eigenvectors (columns, in the same order) of
 * one symmetric matrix on the backend: Householder tridiagonalization, the tridiagonal problem in O(n²) on
 * the host, and the back-transformation as matrix products. The order is set on the host: tf.reverse of
 * an n×n matrix costs as much as a matrix product on wasm.
 */
export function symmetricEigen(
  a: tf.Tensor2D,
  descending = false,
): { values: Float64Array; vectors: tf.Tensor2D } {
  const n = a.shape[0];
  const { d, e, panels } = tridiagonalize(a);
  try {
    const ascending = tridiagonalEigen(d, e);
    const values = descending ? ascending.values.slice().reverse() : ascending.values;
    let vectors = ascending.vectors;
    if (descending) {
      vectors = new Float64Array(n * n);
      for (let j = 0; j < n; j++)
        vectors.set(ascending.vectors.subarray(j * n, (j + 1) * n), (n - 1 - j) * n);
    }
    // vectors' rows are T's eigenvectors z_j; (Q Z)ᵀ = apply Q to the rows, then transpose.
    const x = tf.tidy(() => tf.transpose(applyQTransposed({ panels }, fromHost(vectors, n, n), false)));
    return { values, vectors: x };
  } finally {
    for (const p of panels) tf.dispose([p.vt, p.t]);
  }
}

/** Eigenvalues alone (ascending) of one symmetric matrix: the tridiagonalization and implicit QL. */
export function symmetricEigenvalues(a: tf.Tensor2D): Float64Array {
  const { d, e, panels } = tridiagonalize(a);
  for (const p of panels) tf.dispose([p.vt, p.t]);
  return tridiagonalEigen(d, e).values;
}

/**
 * The eigendecomposition of a symmetric matrix, A = V diag(values) Vᵀ (numpy.linalg.eigh): eigenvalues in
 * ascending order, orthonormal eigenvectors as the columns of `vectors`. Batched over leading axes. Only
 * the symmetric part (A + Aᵀ)/2 is used. Backward stable: errors are float32's unit roundoff times ‖A‖.
 * Each eigenvector's sign is fixed so that its entry of largest magnitude is positive. The caller disposes
 * both tensors.
 *
 * @example
 * ```ts
 * const { values, vectors } = eigh(tf.tensor2d([[2, 1], [1, 2]]));
 * values.print();    // [1, 3]
 * vectors.print();   // [[-0.707, 0.707], [0.707, 0.707]]
 * ```
 */
export function eigh(a: tf.Tensor): { values: tf.Tensor; vectors: tf.Tensor } {
  checkTensor('eigh', 'a', a);
  const [m, n] = a.shape.slice(-2) as [number, number];
  if (m !== n || n === 0) {
    throw LinalgErrorFor(
      'eigh',
      `a must be a non-empty square matrix (or a batch of them), got shape [${a.shape.join(', ')}]`,
    );
  }
  return withFloat32(a, (x) =>
    mapMatrices(x, (matrix) => {
      const { values, vectors } = symmetricEigen(matrix);
      const signed = tf.tidy(() => tf.mul(vectors, signsOfLargest(vectors)));
      vectors.dispose();
      return { values: tf.tensor1d(Float32Array.from(values)), vectors: signed };
    }),
  );
}

/** Per column of `x`, the sign (±1) of its entry of largest magnitude, as a row to multiply by. */
export function signsOfLargest(x: tf.Tensor2D): tf.Tensor2D {
  const [rows, cols] = x.shape;
  const data = x.dataSync();
  const best = new Float32Array(cols);
  const signs = new Float32Array(cols).fill(1);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const value = data[i * cols + j]!;
      if (Math.abs(value) > best[j]! * (1 + 1e-4)) {
        best[j] = Math.abs(value);
        signs[j] = value < 0 ? -1 : 1;
      }
    }
  }
  return tf.tensor2d(signs, [1, cols]);
}
