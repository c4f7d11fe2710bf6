/**
 * Householder reflectors in float64 on the host: generating them, factoring a narrow panel, and the compact
 * WY form (Schreiber & Van Loan) that turns a panel's b reflectors into one I − V T Vᵀ, so that applying
 * them to a large matrix is three matrix products on the backend instead of b rank-1 updates.
 *
 * Panels are stored transposed: row r of a panel is column r of the matrix, from the panel's first row
 * down. Rows are then contiguous both here and in a backend tensor holding the matrix transposed.
 */

import { type RowStore, rowStore } from './row_store';

/** H = I − τ v vᵀ with v[0] = 1 maps x to β e₁ (LAPACK's dlarfg convention: β = −sign(x₀)‖x‖). */
export interface Reflector {
  readonly tau: number;
  readonly beta: number;
}

/**
 * Turns `x[start..end)` into a reflector in place: x[start] becomes β and x[start+1..end) the tail of v
 * (its head v[0] = 1 is implicit). τ = 0 (H = I) when the tail is already zero.
 */
export function makeReflector(x: Float64Array, start: number, end: number): Reflector {
  const alpha = x[start]!;
  // Scaled norm of the tail: no overflow or underflow for entries far from 1.
  let scale = 0;
  for (let i = start + 1; i < end; i++) scale = Math.max(scale, Math.abs(x[i]!));
  if (scale === 0) return { tau: 0, beta: alpha };
  let sum = 0;
  for (let i = start + 1; i < end; i++) {
    const t = x[i]! / scale;
    sum += t * t;
  }
  const tailNorm = scale * Math.sqrt(sum);
  const beta = -Math.sign(alpha || 1) * Math.hypot(alpha, tailNorm);
  const tau = (beta - alpha) / beta;
  const f = 1 / (alpha - beta);
  for (let i = start + 1; i < end; i++) x[i] = x[i]! * f;
  x[start] = beta;
  return { tau, beta };
}

/** dgeqr2 on rows already in a store: see {@link factorPanel}. Returns the τs. */
function factorRows(rows: RowStore, b: number, n: number): Float64Array {
  const taus = new Float64Array(b);
  const z = new Float64Array(b);
  const { data, ld } = rows;
  for (let r = 0; r < Math.min(b, n); r++) {
    const row = r * ld;
    const { tau, beta } = makeReflector(data, row + r, row + n);
    taus[r] = tau;
    if (tau === 0) continue;
    // Apply H = I − τ v vᵀ to the panel's later columns: c ← c − τ (vᵀc) v, v = (1, tail) from entry r.
    data[row + r] = 1;
    const later = b - r - 1;
    rows.dots(r, r + 1, later, r, z);
    for (let c = 0; c < later; c++) z[c] = tau * z[c]!;
    rows.axpys(z, r, r + 1, later, r);
    data[row + r] = beta;
  }
  return taus;
}

/** dlarft on reflector rows already in a store (row i zero before entry i): see {@link compactWY}. */
function wyRows(rows: RowStore, taus: Float64Array, b: number): Float64Array {
  const t = new Float64Array(b * b);
  const z = new Float64Array(b);
  for (let i = 0; i < b; i++) {
    const tau = taus[i]!;
    t[i * b + i] = tau;
    if (tau === 0 || i === 0) continue;
    // v_i is zero before entry i: the products start there.
    rows.dots(i, 0, i, i, z);
    // T[0:i, i] = −τ T[0:i, 0:i] z
    for (let r = 0; r < i; r++) {
      let s = 0;
      for (let c = r; c < i; c++) s += t[r * b + c]! * z[c]!;
      t[r * b + i] = -tau * s;
    }
  }
  return t;
}

/**
 * Householder QR of a panel in place (unblocked, LAPACK's dgeqr2 on the transposed layout): `p` holds b
 * rows of length n (row r = column r of the panel). On return row r holds R's column r in entries 0..r and
 * reflector r's tail below (entries r+1..n). Returns the τ of each reflector. The O(n·b²) loops run in
 * WebAssembly SIMD where the engine has it (`simd` false: JavaScript, the same arithmetic but for the
 * order of the sums).
 */
export function factorPanel(p: Float64Array, b: number, n: number, simd = true): Float64Array {
  const rows = rowStore(b, n, simd);
  const { data, ld } = rows;
  for (let r = 0; r < b; r++) data.set(p.subarray(r * n, (r + 1) * n), r * ld);
  const taus = factorRows(rows, b, n);
  for (let r = 0; r < b; r++) p.set(data.subarray(r * ld, r * ld + n), r * n);
  return taus;
}

/** A panel factored by {@link factorPanelWY}. */
export interface FactoredPanel {
  /** The panel's b×b block of R, row-major (zeros below the diagonal). */
  readonly r: Float64Array;
  /** The reflectors as rows of length n (zeros before entry r, 1 there), float32 for the backend. */
  readonly v: Float32Array;
  /** T of the compact WY form, b×b row-major. */
  readonly t: Float64Array;
}

/**
 * {@link factorPanel} and {@link compactWY} of a panel given as b float32 rows of length n (a backend
 * download), in one store: no float64 copies of the panel on the way.
 */
export function factorPanelWY(panel: Float32Array, b: number, n: number, simd = true): FactoredPanel {
  const rows = rowStore(b, n, simd);
  const { data, ld } = rows;
  for (let r = 0; r < b; r++) data.set(panel.subarray(r * n, (r + 1) * n), r * ld);
  const taus = factorRows(rows, b, n);
  const r = new Float64Array(b * b);
  for (let row = 0; row < b; row++) {
    for (let col = row; col < b; col++) r[row * b + col] = data[col * ld + row]!;
  }
  // Reflector form in place: zeros before entry i, 1 there.
  for (let i = 0; i < b; i++) {
    data.fill(0, i * ld, i * ld + i);
    data[i * ld + i] = 1;
  }
  const v = new Float32Array(b * n);
  for (let i = 0; i < b; i++) v.set(data.subarray(i * ld, i * ld + n), i * n);
  return { r, v, t: wyRows(rows, taus, b) };
}

/**
 * The reflectors of a factored panel as explicit rows of length `total`: row r is v_r placed at offset
 * `offset + r` (zeros before, 1 there, the tail after). `total − offset` is the panel's length n.
 */
export function reflectorRows(
  p: Float64Array,
  b: number,
  n: number,
  offset: number,
  total: number,
): Float64Array {
  const v = new Float64Array(b * total);
  for (let r = 0; r < b; r++) {
    const dst = r * total + offset;
    v[dst + r] = 1;
    for (let i = r + 1; i < n; i++) v[dst + i] = p[r * n + i]!;
  }
  return v;
}

/**
 * T of the compact WY form H₀H₁…H_{b−1} = I − V T Vᵀ (upper triangular, b×b row-major; LAPACK's dlarft,
 * forward and columnwise). `v` holds the reflectors as rows of length `len`, row i zero before entry i.
 */
export function compactWY(
  v: Float64Array,
  taus: Float64Array,
  b: number,
  len: number,
  simd = true,
): Float64Array {
  const rows = rowStore(b, len, simd);
  for (let r = 0; r < b; r++) rows.data.set(v.subarray(r * len, (r + 1) * len), r * rows.ld);
  return wyRows(rows, taus, b);
}
