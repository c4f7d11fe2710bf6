/**
 * Cyclic Jacobi for small dense symmetric matrices in float64: slow in general (O(k³) a sweep) but
 * accurate to the last bit on the small clusters the SVD's refinement hands it.
 */

/**
 * Eigenvalues (unsorted) and eigenvectors (column j of the k×k row-major `vectors`) of a small symmetric
 * float64 matrix `a` (k×k, row-major) on the host: a building block for the small dense problems that
 * randomized methods reduce to (the Gram matrix of a sketch), where float64 keeps what float32 loses.
 *
 * @example
 * ```ts
 * const { values, vectors } = jacobiEigen(Float64Array.of(2, 1, 1, 2), 2); // values 3 and 1 (some order)
 * ```
 */
export function jacobiEigen(a: Float64Array, k: number): { values: Float64Array; vectors: Float64Array } {
  const m = a.slice();
  const v = new Float64Array(k * k);
  for (let i = 0; i < k; i++) v[i * k + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < k; p++) {
      diag += m[p * k + p]! ** 2;
      for (let q = p + 1; q < k; q++) off += m[p * k + q]! ** 2;
    }
    if (off <= 1e-32 * diag || off === 0) break;
    for (let p = 0; p < k - 1; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = m[p * k + q]!;
        if (apq === 0) continue;
        const theta = (m[q * k + q]! - m[p * k + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < k; r++) {
          const arp = m[r * k + p]!;
          const arq = m[r * k + q]!;
          m[r * k + p] = c * arp - s * arq;
          m[r * k + q] = s * arp + c * arq;
        }
        for (let r = 0; r < k; r++) {
          const apr = m[p * k + r]!;
          const aqr = m[q * k + r]!;
          m[p * k + r] = c * apr - s * aqr;
          m[q * k + r] = s * apr + c * aqr;
        }
        for (let r = 0; r < k; r++) {
          const vrp = v[r * k + p]!;
          const vrq = v[r * k + q]!;
          v[r * k + p] = c * vrp - s * vrq;
          v[r * k + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const values = new Float64Array(k);
  for (let i = 0; i < k; i++) values[i] = m[i * k + i]!;
  return { values, vectors: v };
}
