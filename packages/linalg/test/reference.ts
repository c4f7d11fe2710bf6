/**
 * Float64 references for the tests, written for clarity rather than speed: one-sided Jacobi SVD (Hestenes),
 * accurate to float64 roundoff relative to each singular value, and small matrix helpers.
 */

export interface Host {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function host(rows: number, cols: number, values: ArrayLike<number>): Host {
  return { rows, cols, data: Float64Array.from(values) };
}

/** Singular values of `a`, descending, by one-sided Jacobi on the columns of a float64 copy. */
export function referenceSingularValues(a: Host): Float64Array {
  const tall = a.rows >= a.cols;
  const m = tall ? a.rows : a.cols;
  const n = tall ? a.cols : a.rows;
  // cols[j] = column j of the tall orientation.
  const cols: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const c = new Float64Array(m);
    for (let i = 0; i < m; i++) c[i] = tall ? a.data[i * a.cols + j]! : a.data[j * a.cols + i]!;
    cols.push(c);
  }
  for (let sweep = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const x = cols[p]!;
        const y = cols[q]!;
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          alpha += x[i]! * x[i]!;
          beta += y[i]! * y[i]!;
          gamma += x[i]! * y[i]!;
        }
        if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta) || gamma === 0) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const xi = x[i]!;
          const yi = y[i]!;
          x[i] = c * xi - s * yi;
          y[i] = s * xi + c * yi;
        }
      }
    }
    if (!rotated) break;
  }
  return Float64Array.from(cols.map((c) => Math.hypot(...c))).sort((p, q) => q - p);
}

/** Eigenvalues of symmetric `a` (n×n), ascending, by cyclic Jacobi in float64. */
export function referenceEigenvalues(a: Host): Float64Array {
  const n = a.rows;
  const m = a.data.slice();
  for (let sweep = 0; sweep < 80; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (apq === 0) continue;
        const theta = (m[q * n + q]! - m[p * n + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < n; r++) {
          const [x, y] = [m[r * n + p]!, m[r * n + q]!];
          m[r * n + p] = c * x - s * y;
          m[r * n + q] = s * x + c * y;
        }
        for (let r = 0; r < n; r++) {
          const [x, y] = [m[p * n + r]!, m[q * n + r]!];
          m[p * n + r] = c * x - s * y;
          m[q * n + r] = s * x + c * y;
        }
      }
    }
  }
  return Float64Array.from({ length: n }, (_, i) => m[i * n + i]!).sort();
}

/** Solves the least-squares problem min ‖A x − b‖ in float64 through the normal equations of the exact data. */
export function referenceLstsq(a: Host, b: Float64Array): Float64Array {
  const { rows: m, cols: n } = a;
  const g = new Float64Array(n * n);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < m; k++) r[i] = r[i]! + a.data[k * n + i]! * b[k]!;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += a.data[k * n + i]! * a.data[k * n + j]!;
      g[i * n + j] = s;
    }
  }
  // Gaussian elimination with partial pivoting (float64 on a well-conditioned problem).
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(g[i * n + c]!) > Math.abs(g[p * n + c]!)) p = i;
    for (let j = 0; j < n; j++) [g[c * n + j], g[p * n + j]] = [g[p * n + j]!, g[c * n + j]!];
    [r[c], r[p]] = [r[p]!, r[c]!];
    for (let i = c + 1; i < n; i++) {
      const f = g[i * n + c]! / g[c * n + c]!;
      for (let j = c; j < n; j++) g[i * n + j] = g[i * n + j]! - f * g[c * n + j]!;
      r[i] = r[i]! - f * r[c]!;
    }
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = r[i]!;
    for (let j = i + 1; j < n; j++) s -= g[i * n + j]! * x[j]!;
    x[i] = s / g[i * n + i]!;
  }
  return x;
}
