import { describe, expect, it } from 'vitest';
import { refineRotation } from './refine';

/** A symmetric C = D + E: diagonal `d` plus small symmetric couplings of size `coupling`. */
function nearlyDiagonal(d: number[], coupling: number, seed: number): Float64Array {
  const n = d.length;
  const c = new Float64Array(n * n);
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 31 - 1;
  };
  for (let i = 0; i < n; i++) {
    c[i * n + i] = d[i]!;
    for (let j = 0; j < i; j++) c[i * n + j] = c[j * n + i] = coupling * next() * Math.sqrt(d[i]! * d[j]!);
  }
  return c;
}

/** Wᵀ C W for row-major n×n matrices. */
function rotate(c: Float64Array, w: Float64Array, n: number): Float64Array {
  const cw = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) cw[i * n + j]! += c[i * n + k]! * w[k * n + j]!;
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j]! += w[k * n + i]! * cw[k * n + j]!;
  return out;
}

describe('refineRotation', () => {
  it.each([
    ['well separated', [9, 7, 5, 3, 2, 1, 0.5, 0.25]],
    ['with clusters of equal values', [9, 5, 5, 5, 3, 1, 1, 0.5]],
  ])('diagonalises a nearly diagonal C to first order: %s', (_, d) => {
    const n = d.length;
    const c = nearlyDiagonal(d, 1e-6, n);
    const { w, diag } = refineRotation(c.slice(), n, 0);
    const r = rotate(c, w, n);
    let off = 0;
    let orth = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i !== j) off = Math.max(off, Math.abs(r[i * n + j]!) / Math.sqrt(r[i * n + i]! * r[j * n + j]!));
        let dot = 0;
        for (let k = 0; k < n; k++) dot += w[k * n + i]! * w[k * n + j]!;
        orth = Math.max(orth, Math.abs(dot - (i === j ? 1 : 0)));
      }
    }
    // Couplings 1e-6 fall to second order (~1e-12), W orthogonal to second order as well.
    expect(off).toBeLessThan(1e-10);
    expect(orth).toBeLessThan(1e-10);
    // diag is WᵀCW's diagonal to second order in the couplings, descending.
    for (let i = 0; i < n; i++) expect(Math.abs(diag[i]! - r[i * n + i]!)).toBeLessThan(1e-9 * diag[0]!);
    for (let i = 1; i < n; i++) expect(diag[i]!).toBeLessThanOrEqual(diag[i - 1]!);
  });
});
