import * as tf from '@tensorflow/tfjs-core';
import { makeReflector } from './householder';
import {
  checkFinite,
  checkTensor,
  download,
  fromHost,
  LinalgErrorFor,
  mapMatrices,
  withFloat32,
} from './matrix';
import { applyQTransposed, PANEL, type Panel } from './qr';
import { rowStore } from './row_store';
import { type SymmetricWorkspace, symmetricWorkspace } from './symv_simd';
import { tridiagonalEigen } from './tridiagonal';

/** A Householder tridiagonalization A = Q T Qᵀ: T's diagonal and off-diagonal on the host, Q as panels. */
interface Tridiagonal {
  readonly d: Float64Array;
  readonly e: Float64Array;
  readonly panels: readonly Panel[];
}

/**
 * From this order of the trailing matrix down, the tridiagonalization keeps it on the host for good
 * (symv_simd.ts's workspace: SIMD products, updates in place). A backend matrix–vector round trip costs
 * milliseconds whatever the size; measured on wasm (one thread): host 0.98 ms against backend 7.3 at 1024,
 * 4.3 against 15.8 at 2000, 7.5 against 27.7 at 3000 (before the float32 chunks made the host ~1.5× faster
 * still). Larger ones (over 64 MB of float32) stay on the backend until they shrink to it.
 */
const HOST_MATVEC_MAX = 4096;

/**
 * Reduces symmetric `a` (n×n) to tridiagonal form, blocked as LAPACK's dsytrd/dlatrd (lower): within a
 * panel each column's reflector is made on the host (row_store.ts's loops) with its one product by the
 * trailing matrix (on the host once that is at most `hostOrder`, else on the backend); at the end of the
 * panel the trailing matrix takes all of the panel's reflectors at once as one rank-2b product on the
 * backend — half the O(n³) work in matrix products, the other half in matrix-vector ones.
 */
function tridiagonalize(a: tf.Tensor2D, hostOrder = HOST_MATVEC_MAX): Tridiagonal {
  const n = a.shape[0];
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(0, n - 1));
  const panels: Panel[] = [];
  let cur: tf.Tensor2D | undefined = tf.tidy(() => tf.mul(tf.add(a, tf.transpose(a)), 0.5) as tf.Tensor2D);
  let host: SymmetricWorkspace | undefined;
  for (let i = 0; i < n; i += PANEL) {
    const len = n - i;
    const b = Math.min(PANEL, len);
    // Once small enough, the trailing matrix comes to the host for good.
    if (cur && len <= hostOrder) {
      host = symmetricWorkspace(cur.dataSync() as Float32Array, len);
      cur.dispose();
      cur = undefined;
    }
    const top = host || b === len ? undefined : tf.slice(cur!, [0, 0], [b, len]);
    const source = host ? undefined : ((top ?? cur!).dataSync() as Float32Array);
    top?.dispose();
    // V_r, W_r as rows 2r, 2r + 1 of a row store, and the panel's columns after them, as rows 2b + r.
    const store = rowStore(3 * b, len);
    const { data: heap, ld } = store;
    const pAt = 2 * b * ld;
    const coefs = new Float64Array(2 * b);
    const dots = new Float64Array(2 * b);
    for (let r = 0; r < b; r++)
      heap.set(host ? host.row(r) : source!.subarray(r * len, (r + 1) * len), pAt + r * ld);
    const t = new Float64Array(b * b);
    for (let r = 0; r < b; r++) {
      const col = pAt + r * ld;
      const [vAt, wAt] = [2 * r * ld, (2 * r + 1) * ld];
      // The column as the panel's earlier reflectors left it: A − V Wᵀ − W Vᵀ (rows r.. are the ones read).
      for (let s = 0; s < r; s++) {
        coefs[2 * s] = heap[(2 * s + 1) * ld + r]!;
        coefs[2 * s + 1] = heap[2 * s * ld + r]!;
      }
      store.combine(coefs, 2 * b + r, 0, 2 * r, r);
      d[i + r] = heap[col + r]!;
      if (i + r === n - 1) break;
      const { tau, beta } = makeReflector(heap, col + r + 1, col + len);
      e[i + r] = beta;
      heap[vAt + r + 1] = 1;
      heap.copyWithin(vAt + r + 2, col + r + 2, col + len);
      if (tau === 0) continue;
      const vr = heap.subarray(vAt, vAt + len);
      const wr = heap.subarray(wAt, wAt + len);
      if (host) host.times(vr, r + 1, wr);
      else wr.set(download(() => tf.matMul(cur!, fromHost(vr, len, 1))));
      // w ← w − V (Wᵀv) − W (Vᵀv); rows ≤ r of w are never read again: only r + 1.. is kept up to date.
      store.dots(2 * r, 0, 2 * r, r + 1, dots);
      for (let s = 0; s < r; s++) {
        coefs[2 * s] = dots[2 * s + 1]!;
        coefs[2 * s + 1] = dots[2 * s]!;
      }
      store.combine(coefs, 2 * r + 1, 0, 2 * r, r + 1);
      // T's column r of the compact WY form (LAPACK's dlarft) from the same dots: z_s = v_sᵀ v_r, and
      // T[0:r, r] = −τ T[0:r, 0:r] z.
      t[r * b + r] = tau;
      for (let q = 0; q < r; q++) {
        let sum = 0;
        for (let c = q; c < r; c++) sum += t[q * b + c]! * dots[2 * c]!;
        t[q * b + r] = -tau * sum;
      }
      let wv = 0;
      for (let k = r + 1; k < len; k++) {
        wr[k] = wr[k]! * tau;
        wv += wr[k]! * vr[k]!;
      }
      const alpha = -0.5 * tau * wv;
      for (let k = r + 1; k < len; k++) wr[k] = wr[k]! + alpha * vr[k]!;
    }
    // The reflectors as rows of length n (zeros above each one's start) for the back-transformation.
    const rows = new Float64Array(b * n);
    for (let r = 0; r < b; r++)
      rows.set(heap.subarray(2 * r * ld + r + 1, 2 * r * ld + len), r * n + i + r + 1);
    panels.push({ vt: fromHost(rows, b, n), t: fromHost(t, b, b), offset: i + 1 });
    const rest = len - b;
    if (rest <= 0) break;
    // Trailing update A ← A − V Wᵀ − W Vᵀ as one product [V W]·[W V]ᵀ of inner size 2b.
    const left = new Float64Array(rest * 2 * b);
    const right = new Float64Array(2 * b * rest);
    for (let r = 0; r < b; r++) {
      for (let k = 0; k < rest; k++) {
        const vk = heap[2 * r * ld + b + k]!;
        const wk = heap[(2 * r + 1) * ld + b + k]!;
        left[k * 2 * b + r] = vk;
        left[k * 2 * b + b + r] = wk;
        right[r * rest + k] = wk;
        right[(b + r) * rest + k] = vk;
      }
    }
    const update = () => tf.matMul(fromHost(left, rest, 2 * b), fromHost(right, 2 * b, rest));
    if (host) {
      host.shrink(b, download(update) as Float32Array);
    } else {
      const previous: tf.Tensor2D = cur!;
      cur = tf.tidy(() => tf.sub(tf.slice(previous, [b, b], [rest, rest]), update()) as tf.Tensor2D);
      previous.dispose();
    }
  }
  cur?.dispose();
  return { d, e, panels };
}

/**
 * Eigenvalues (ascending, or descending with `descending`) and eigenvectors (columns, in the same order) of
 * one symmetric matrix on the backend: Householder tridiagonalization, the tridiagonal problem in O(n²) on
 * the host, and the back-transformation as matrix products. The order is set on the host: tf.reverse of
 * an n×n matrix costs as much as a matrix product on wasm. Trailing matrices larger than `hostOrder` stay
 * on the backend (a parameter so that tests reach that path at small sizes).
 */
export function symmetricEigen(
  a: tf.Tensor2D,
  descending = false,
  hostOrder = HOST_MATVEC_MAX,
): { values: Float64Array; vectors: tf.Tensor2D } {
  const n = a.shape[0];
  const { d, e, panels } = tridiagonalize(a, hostOrder);
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
  return tridiagonalEigen(d, e, d.length).values;
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
  checkFinite('eigh', 'a', a);
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
