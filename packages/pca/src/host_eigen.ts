/**
 * Eigenvalues (descending) and eigenvectors (columns, row-major l×l) of a small symmetric float64 matrix by
 * cyclic Jacobi rotations: accurate to float64 roundoff, O(l³) a sweep; for the l ≤ a few hundred of a
 * randomized sketch.
 *
 * @example
 * ```ts
 * const { values, vectors } = hostEigen(Float64Array.from([2, 1, 1, 2]), 2); // values [3, 1]
 * ```
 */
export function hostEigen(matrix: Float64Array, l: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(l * l);
  for (let i = 0; i < l; i++) v[i * l + i] = 1;
  const rotate = (m: Float64Array, i: number, j: number, c: number, s: number): void => {
    const x = m[i]!;
    const y = m[j]!;
    m[i] = c * x - s * y;
    m[j] = s * x + c * y;
  };
  let norm = 0;
  for (const x of a) norm += x * x;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < l; p++) for (let q = p + 1; q < l; q++) off += a[p * l + q]! ** 2;
    if (off <= 1e-32 * norm) break;
    for (let p = 0; p < l; p++) {
      for (let q = p + 1; q < l; q++) {
        const apq = a[p * l + q]!;
        if (apq === 0) continue;
        const theta = (a[q * l + q]! - a[p * l + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < l; k++) rotate(a, k * l + p, k * l + q, c, s);
        for (let k = 0; k < l; k++) rotate(a, p * l + k, q * l + k, c, s);
        for (let k = 0; k < l; k++) rotate(v, k * l + p, k * l + q, c, s);
      }
    }
  }
  const order = Array.from({ length: l }, (_, i) => i).sort((i, j) => a[j * l + j]! - a[i * l + i]!);
  const values = Float64Array.from(order, (i) => a[i * l + i]!);
  const vectors = new Float64Array(l * l);
  for (const [to, from] of order.entries())
    for (let k = 0; k < l; k++) vectors[k * l + to] = v[k * l + from]!;
  return { values, vectors };
}
