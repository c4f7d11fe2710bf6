import * as tf from '@tensorflow/tfjs-core';
import { formQ, type Panel } from './apply_q';
import { factorPanelWY } from './householder';
import { checkTensor, fromHost, LinalgErrorFor, mapMatrices, withFloat32 } from './matrix';

export { applyQTransposed, formQ, type Panel } from './apply_q';

/** Columns per panel: wide enough for the backend's products to run fast, narrow for the host's loops. */
export const PANEL = 32;

/** A Householder QR factorization A = Q R kept as reflectors (Q = Q₀Q₁…), R on the host. */
export interface QRFactor {
  readonly m: number;
  readonly n: number;
  readonly panels: readonly Panel[];
  /** R, k × n row-major, float64; k = min(m, n), or min(m, columns) when fewer columns were factored. */
  readonly r: Float64Array;
}

/**
 * Blocked Householder QR (LAPACK's dgeqrf, on a matrix kept transposed so that panels are contiguous rows):
 * each panel of {@link PANEL} columns is factored in float64 on the host — O(m·b²) work — and its compact
 * WY form updates the trailing columns with three matrix products on the backend, where the O(m·n²) work
 * runs. With `reflectors` false the panels are not kept (R alone: `panels` comes back empty). Only the first
 * `columns` columns are factored (the others are carried along: R's rows hold Qᵀ of them, as when a
 * right-hand side rides along for least squares). The caller disposes the factor with {@link disposeFactor}.
 */
export function householderQR(a: tf.Tensor2D, reflectors = true, columns = a.shape[1]): QRFactor {
  const [m, n] = a.shape;
  const k = Math.min(m, columns);
  const r = new Float64Array(k * n);
  const panels: Panel[] = [];
  // cur = (A's trailing block)ᵀ: rows are the columns j.. of A, columns its rows j..
  let cur: tf.Tensor2D = tf.transpose(a);
  for (let j = 0; j < k; j += PANEL) {
    const b = Math.min(PANEL, k - j);
    const len = m - j;
    const rows = n - j;
    const top = b === rows ? cur : tf.slice(cur, [0, 0], [b, len]);
    const panel = factorPanelWY(top.dataSync() as Float32Array, b, len);
    if (top !== cur) top.dispose();
    for (let row = 0; row < b; row++) {
      for (let col = row; col < b; col++) r[(j + row) * n + j + col] = panel.r[row * b + col]!;
    }
    const v = tf.tensor2d(panel.v, [b, len]);
    const t = fromHost(panel.t, b, b);
    // Kept panels hold Vᵀ at full length m (zeros before the offset), padded on the backend.
    const before: [number, number][] = [
      [0, 0],
      [j, 0],
    ];
    const vt = !reflectors ? undefined : j === 0 ? v : (tf.pad(v, before) as tf.Tensor2D);
    if (vt) panels.push({ vt, t, offset: j });
    const rest = rows - b;
    // (Q_pᵀ A)ᵀ = Aᵀ − (Aᵀ V) T Vᵀ on the whole trailing block, the panel's own b rows included: cheaper
    // than cutting the other rows out first (one pass fewer over the block for b/rows more products).
    const next =
      rest === 0
        ? undefined
        : tf.tidy(() => {
            const updated = tf.sub(cur, tf.matMul(tf.matMul(tf.matMul(cur, v, false, true), t), v));
            const rBlock = tf.slice(updated, [b, 0], [rest, b]).dataSync();
            for (let c = 0; c < rest; c++) {
              for (let row = 0; row < b; row++) r[(j + row) * n + j + b + c] = rBlock[c * b + row]!;
            }
            return len > b ? (tf.slice(updated, [b, b], [rest, len - b]) as tf.Tensor2D) : undefined;
          });
    if (v !== vt) v.dispose();
    if (!vt) t.dispose();
    cur.dispose();
    if (next === undefined) break;
    cur = next;
  }
  if (!cur.isDisposed) cur.dispose();
  return { m, n, panels, r };
}

/** Frees a factor's backend tensors. */
export function disposeFactor(f: QRFactor): void {
  for (const p of f.panels) tf.dispose([p.vt, p.t]);
}

export interface QROptions {
  /**
   * `false` (default): the reduced factorization, Q m×k and R k×n with k = min(m, n) (numpy's
   * `mode='reduced'`). `true`: the complete one, Q m×m and R m×n.
   */
  full?: boolean;
  /**
   * `'qr'` (default): both factors. `'r'`: R alone (numpy's `mode='r'`), Q never formed — about half the
   * work for a tall matrix, where forming Q costs as much again as the factorization.
   */
  mode?: 'qr' | 'r';
}

/**
 * The QR factorization A = Q R by Householder reflections (numpy.linalg.qr): Q has orthonormal columns, R
 * is upper triangular. Batched over leading axes. Signs are LAPACK's: R's diagonal may be negative (each
 * reflector maps its column to −sign(a_jj)‖a_j‖). Work is O(m·n·k): panels of 32 columns factored in
 * float64 on the host, the rest as matrix products on the backend. With `mode: 'r'` only `{ r }` comes
 * back. The caller disposes q and r.
 *
 * @example
 * ```ts
 * const { q, r } = qr(tf.tensor2d([[1, 2], [3, 4], [5, 6]]));   // q 3×2, r 2×2
 * tf.matMul(q, r).print();                                      // ≈ the input
 * const { r: r2 } = qr(tf.tensor2d([[1, 2], [3, 4], [5, 6]]), { mode: 'r' });   // the same r, no q
 * ```
 */
export function qr(a: tf.Tensor, options: QROptions & { mode: 'r' }): { r: tf.Tensor };
export function qr(a: tf.Tensor, options?: QROptions & { mode?: 'qr' }): { q: tf.Tensor; r: tf.Tensor };
export function qr(a: tf.Tensor, options?: QROptions): { q?: tf.Tensor; r: tf.Tensor };
export function qr(a: tf.Tensor, options: QROptions = {}): { q?: tf.Tensor; r: tf.Tensor } {
  checkTensor('qr', 'a', a);
  const full = options.full ?? false;
  const mode = options.mode ?? 'qr';
  if (mode !== 'qr' && mode !== 'r') {
    throw LinalgErrorFor('qr', `mode must be 'qr' or 'r', got '${String(mode)}'`);
  }
  return withFloat32(a, (x) =>
    mapMatrices<{ q?: tf.Tensor; r: tf.Tensor }>(x, (matrix) => {
      const [m, n] = matrix.shape;
      const k = Math.min(m, n);
      const rows = full ? m : k;
      if (k === 0) {
        const r = tf.zeros([rows, n]);
        return mode === 'r' ? { r } : { q: tf.eye(m, rows), r };
      }
      const f = householderQR(matrix, mode === 'qr');
      try {
        const rData = new Float32Array(rows * n);
        rData.set(f.r);
        const r = tf.tensor2d(rData, [rows, n]);
        return mode === 'r' ? { r } : { q: formQ(f, rows), r };
      } finally {
        disposeFactor(f);
      }
    }),
  );
}
