import * as tf from '@tensorflow/tfjs-core';
import { compactWY, factorPanel, reflectorRows } from './householder';
import { checkTensor, fromHost, mapMatrices, withFloat32 } from './matrix';

/** Columns per panel: wide enough for the backend's products to run fast, narrow for the host's loops. */
export const PANEL = 32;

/** One panel's reflectors in compact WY form, on the backend: Q_p = I − V T Vᵀ. */
export interface Panel {
  /** Vᵀ: the b reflectors as rows of length m (zeros above each one's start). */
  readonly vt: tf.Tensor2D;
  /** T, b×b upper triangular. */
  readonly t: tf.Tensor2D;
}

/** A Householder QR factorization A = Q R kept as reflectors (Q = Q₀Q₁…), R on the host. */
export interface QRFactor {
  readonly m: number;
  readonly n: number;
  readonly panels: readonly Panel[];
  /** R, min(m, n) × n row-major, float64. */
  readonly r: Float64Array;
}

/**
 * Blocked Householder QR (LAPACK's dgeqrf, on a matrix kept transposed so that panels are contiguous rows):
 * each panel of {@link PANEL} columns is factored in float64 on the host — O(m·b²) work — and its compact
 * WY form updates the trailing columns with three matrix products on the backend, where the O(m·n²) work
 * runs. The caller disposes the factor with {@link disposeFactor}.
 */
export function householderQR(a: tf.Tensor2D): QRFactor {
  const [m, n] = a.shape;
  const k = Math.min(m, n);
  const r = new Float64Array(k * n);
  const panels: Panel[] = [];
  // cur = (A's trailing block)ᵀ: rows are the columns j.. of A, columns its rows j..
  let cur: tf.Tensor2D = tf.transpose(a);
  for (let j = 0; j < k; j += PANEL) {
    const b = Math.min(PANEL, k - j);
    const len = m - j;
    const top = b === n - j ? cur : tf.slice(cur, [0, 0], [b, len]);
    const p = Float64Array.from(top.dataSync());
    if (top !== cur) top.dispose();
    const taus = factorPanel(p, b, len);
    for (let row = 0; row < b; row++) {
      for (let col = row; col < b; col++) r[(j + row) * n + j + col] = p[col * len + row]!;
    }
    const local = reflectorRows(p, b, len, 0, len);
    const tHost = compactWY(local, taus, b, len);
    const t = fromHost(tHost, b, b);
    panels.push({ vt: j === 0 ? fromHost(local, b, m) : fromHost(reflectorRows(p, b, len, j, m), b, m), t });
    const restRows = n - j - b;
    if (restRows > 0) {
      const next = tf.tidy(() => {
        const v = fromHost(local, b, len);
        const rest = tf.slice(cur, [b, 0], [restRows, len]);
        // (Q_pᵀ A)ᵀ = Aᵀ − (Aᵀ V) T Vᵀ
        const updated = tf.sub(rest, tf.matMul(tf.matMul(tf.matMul(rest, v, false, true), t), v));
        const rBlock = tf.slice(updated, [0, 0], [restRows, b]).dataSync();
        for (let c = 0; c < restRows; c++) {
          for (let row = 0; row < b; row++) r[(j + row) * n + j + b + c] = rBlock[c * b + row]!;
        }
        return len > b ? (tf.slice(updated, [0, b], [restRows, len - b]) as tf.Tensor2D) : undefined;
      });
      cur.dispose();
      if (next === undefined) break;
      cur = next;
    } else {
      cur.dispose();
      break;
    }
  }
  if (!cur.isDisposed) cur.dispose();
  return { m, n, panels, r };
}

/** Frees a factor's backend tensors. */
export function disposeFactor(f: QRFactor): void {
  for (const p of f.panels) tf.dispose([p.vt, p.t]);
}

/**
 * Applies Q (or Qᵀ when `transpose`) to a matrix given transposed: returns (Q X)ᵀ for xt = Xᵀ (r×m). Two
 * products per panel plus one of the panel's width, all with the long axis inside the backend's kernel.
 */
export function applyQTransposed(
  f: { readonly panels: readonly Panel[] },
  xt: tf.Tensor2D,
  transpose: boolean,
): tf.Tensor2D {
  // Each step's product is freed as soon as the next exists: one tidy around the loop would keep all
  // (n / PANEL) intermediates of xt's size alive at once — 2 GB for a 2000×2000 back-transformation.
  let y = xt;
  const order = transpose ? f.panels : [...f.panels].reverse();
  for (const { vt, t } of order) {
    // Qᵀ: Xᵀ ← Xᵀ − (Xᵀ V) T Vᵀ (panels first to last); Q: Xᵀ ← Xᵀ − (Xᵀ V) Tᵀ Vᵀ (last to first).
    const current = y;
    const next = tf.tidy(() => {
      const w = tf.matMul(tf.matMul(current, vt, false, true), t, false, !transpose);
      return tf.sub(current, tf.matMul(w, vt)) as tf.Tensor2D;
    });
    if (current !== xt) current.dispose();
    y = next;
  }
  return y === xt ? tf.clone(xt) : y;
}

/** The first `cols` columns of Q, m × cols, as a tensor. */
export function formQ(f: QRFactor, cols: number): tf.Tensor2D {
  return tf.tidy(() => {
    const identity = tf.eye(cols, f.m) as tf.Tensor2D;
    return tf.transpose(applyQTransposed(f, identity, false));
  });
}

export interface QROptions {
  /**
   * `false` (default): the reduced factorization, Q m×k and R k×n with k = min(m, n) (numpy's
   * `mode='reduced'`). `true`: the complete one, Q m×m and R m×n.
   */
  full?: boolean;
}

/**
 * The QR factorization A = Q R by Householder reflections (numpy.linalg.qr): Q has orthonormal columns, R
 * is upper triangular. Batched over leading axes. Signs are LAPACK's: R's diagonal may be negative (each
 * reflector maps its column to −sign(a_jj)‖a_j‖). Work is O(m·n·k): panels of 32 columns factored in
 * float64 on the host, the rest as matrix products on the backend. The caller disposes q and r.
 *
 * @example
 * ```ts
 * const { q, r } = qr(tf.tensor2d([[1, 2], [3, 4], [5, 6]]));   // q 3×2, r 2×2
 * tf.matMul(q, r).print();                                      // ≈ the input
 * ```
 */
export function qr(a: tf.Tensor, options: QROptions = {}): { q: tf.Tensor; r: tf.Tensor } {
  checkTensor('qr', 'a', a);
  const full = options.full ?? false;
  return withFloat32(a, (x) =>
    mapMatrices(x, (matrix) => {
      const [m, n] = matrix.shape;
      const k = Math.min(m, n);
      if (k === 0) {
        return { q: tf.eye(m, full ? m : k), r: tf.zeros([full ? m : k, n]) };
      }
      const f = householderQR(matrix);
      try {
        const rows = full ? m : k;
        const rData = new Float32Array(rows * n);
        rData.set(f.r);
        return { q: formQ(f, rows), r: tf.tensor2d(rData, [rows, n]) };
      } finally {
        disposeFactor(f);
      }
    }),
  );
}
