import { describe, expect, it } from 'vitest';
import { type PanelKernels, panelKernels } from './panel_simd';

/** Fills M's first `terms` rows, the coefficients and one extra row y (at P's first row) with seeded values. */
function fill(k: PanelKernels, terms: number, len: number, seed: number): void {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 31 - 1;
  };
  for (let t = 0; t < terms; t++) for (let j = 0; j < len; j++) k.heap[t * k.ld + j] = next();
  for (let j = 0; j < len; j++) k.heap[k.pAt + j] = next();
  for (let t = 0; t < terms; t++) k.heap[k.coefAt + t] = next();
}

describe.each([true, false])('the loops of a tridiagonalization panel (SIMD: %s)', (simd) => {
  it.each([
    [1, 1, 0],
    [3, 9, 1],
    [4, 37, 5],
    [16, 64, 63],
    [32, 130, 17],
    [32, 784, 400],
  ])('b = %i, len = %i, from %i: combine and dots equal float64 loops', (b, len, from) => {
    const k = panelKernels(b, len, simd);
    expect(k.ld % 8).toBe(0);
    // M and P start zeroed, padding included.
    expect(k.heap.subarray(0, k.coefAt).every((x) => x === 0)).toBe(true);
    const terms = 2 * b - 1;
    fill(k, terms, len, b * 1000 + len);
    const first = from & ~7;
    const y = Float64Array.from(k.heap.subarray(k.pAt, k.pAt + k.ld));
    const expected = y.map((value, j) => {
      if (j < first) return value; // before the first block: untouched
      let sum = value;
      for (let t = 0; t < terms; t++) sum -= k.heap[t * k.ld + j]! * k.heap[k.coefAt + t]!;
      return sum;
    });
    const dots = Array.from({ length: terms }, (_, t) => {
      let sum = 0;
      for (let j = first; j < k.ld; j++) sum += k.heap[t * k.ld + j]! * y[j]!;
      return sum;
    });
    k.dots(k.pAt, terms, from);
    for (let t = 0; t < terms; t++) {
      expect(Math.abs(k.heap[k.outAt + t]! - dots[t]!)).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(dots[t]!)));
    }
    k.combine(k.pAt, terms, from);
    for (let j = 0; j < k.ld; j++) {
      expect(Math.abs(k.heap[k.pAt + j]! - expected[j]!)).toBeLessThanOrEqual(
        1e-13 * (1 + Math.abs(expected[j]!)),
      );
    }
    // Padding past len stays zero in y: M's padding is zero.
    for (let j = len; j < k.ld; j++) expect(k.heap[k.pAt + j]).toBe(0);
  });

  it('does nothing for zero terms, and a later workspace starts zeroed again', () => {
    const k = panelKernels(4, 20, simd);
    fill(k, 7, 20, 3);
    const before = Float64Array.from(k.heap.subarray(k.pAt, k.pAt + k.ld));
    k.combine(k.pAt, 0, 0);
    expect(Array.from(k.heap.subarray(k.pAt, k.pAt + k.ld))).toEqual(Array.from(before));
    const again = panelKernels(4, 20, simd);
    expect(again.heap.subarray(0, again.coefAt).every((x) => x === 0)).toBe(true);
  });
});
