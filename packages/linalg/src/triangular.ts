/**
 * Triangular solves and Cholesky on the host in float64: O(n²) per right-hand side (O(n³) for Cholesky),
 * the small sequential steps of least squares.
 */

/**
 * Solves R X = Y for upper-triangular R (the first n columns of the rows of `r`, row length n) and Y given
 * transposed (k×n, each row a right-hand side). Returns X as n×k row-major.
 */
export function solveUpper(r: Float64Array, n: number, yt: ArrayLike<number>, k: number): Float32Array {
  const x = new Float32Array(n * k);
  const col = new Float64Array(n);
  for (let c = 0; c < k; c++) {
    for (let i = n - 1; i >= 0; i--) {
      let s = yt[c * n + i]!;
      for (let j = i + 1; j < n; j++) s -= r[i * n + j]! * col[j]!;
      col[i] = s / r[i * n + i]!;
    }
    for (let i = 0; i < n; i++) x[i * k + c] = col[i]!;
  }
  return x;
}

/**
 * Solves Rᵀ Y = B for upper-triangular R (rows of length `cols`, its leading m×m block used) and B given
 * transposed (k×m). Returns Y transposed, k×m row-major.
 */
export function solveUpperTransposed(r: Float64Array, m: number, bt: Float64Array, k: number): Float32Array {
  const cols = r.length / m;
  const y = new Float32Array(k * m);
  const row = new Float64Array(m);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < m; i++) {
      let s = bt[c * m + i]!;
      for (let j = 0; j < i; j++) s -= r[j * cols + i]! * row[j]!;
      row[i] = s / r[i * cols + i]!;
    }
    y.set(row, c * m);
  }
  return y;
}

/**
 * Solves G X = B for symmetric positive-definite G (n×n) by Cholesky, B given transposed (k×n). Returns X
 * transposed (k×n), or `undefined` when G is not numerically positive definite.
 */
export function choleskySolve(
  g: Float64Array,
  n: number,
  bt: Float64Array,
  k: number,
): Float32Array | undefined {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = g[j * n + j]!;
    for (let p = 0; p < j; p++) d -= l[j * n + p]! ** 2;
    if (!(d > 0)) return undefined;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = g[i * n + j]!;
      for (let p = 0; p < j; p++) s -= l[i * n + p]! * l[j * n + p]!;
      l[i * n + j] = s / ljj;
    }
  }
  const x = new Float32Array(k * n);
  const z = new Float64Array(n);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      let s = bt[c * n + i]!;
      for (let p = 0; p < i; p++) s -= l[i * n + p]! * z[p]!;
      z[i] = s / l[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = z[i]!;
      for (let p = i + 1; p < n; p++) s -= l[p * n + i]! * z[p]!;
      z[i] = s / l[i * n + i]!;
    }
    for (let i = 0; i < n; i++) x[c * n + i] = z[i]!;
  }
  return x;
}
