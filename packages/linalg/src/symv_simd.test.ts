import { describe, expect, it } from 'vitest';
import { symmetricWorkspace } from './symv_simd';

/** A seeded symmetric matrix of float32 entries. */
function symmetric(len: number, seed: number): Float32Array {
  const a = new Float32Array(len * len);
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 31 - 1;
  };
  for (let i = 0; i < len; i++) {
    for (let j = 0; j <= i; j++) a[i * len + j] = a[j * len + i] = next();
  }
  return a;
}

/**
 * y[start..] = A[start.., start..] x[start..] in float64 for x rounded to float32 (as the workspace takes
 * it), A len×len row-major, with the bound on the workspace's error: its float32 lanes each sum four
 * products, so |error| ≤ 4·2⁻²⁴·Σ_j |a_ij x_j| (float64 sums add far less).
 */
function reference(a: Float32Array, len: number, x: Float64Array, start: number) {
  const y = new Float64Array(len);
  const bound = new Float64Array(len);
  for (let i = start; i < len; i++) {
    for (let j = start; j < len; j++) {
      const product = a[i * len + j]! * Math.fround(x[j]!);
      y[i] = y[i]! + product;
      bound[i] = bound[i]! + 4 * 2 ** -24 * Math.abs(product);
    }
  }
  return { y, bound };
}

describe.each([true, false])('the symmetric workspace of the tridiagonalization (SIMD: %s)', (simd) => {
  it.each([
    [1, 0],
    [5, 0],
    [7, 3],
    [37, 5],
    [64, 63],
    [130, 17],
  ])(
    'gives y[start..] = A[start.., start..] x[start..] for len %i from %i, within float32 rounding',
    (len, start) => {
      const a = symmetric(len, len + start);
      // Entries before start must not count (huge values would show).
      const x = Float64Array.from({ length: len }, (_, i) => (i < start ? 1e30 : Math.sin(i + 1)));
      const work = symmetricWorkspace(a, len, simd);
      const y = new Float64Array(len).fill(-7);
      work.times(x, start, y);
      const expected = reference(
        a,
        len,
        x.map((v, i) => (i < start ? 0 : v)),
        start,
      );
      for (let i = 0; i < len; i++) {
        if (i < start)
          expect(y[i]).toBe(-7); // entries before start are left alone
        else expect(Math.abs(y[i]! - expected.y[i]!)).toBeLessThanOrEqual(expected.bound[i]!);
      }
    },
  );

  it('shrinks in place to A[b.., b..] − P, rows and products following', () => {
    let len = 45;
    let a = symmetric(len, 3);
    const work = symmetricWorkspace(a, len, simd);
    for (const b of [4, 8, 1, 13]) {
      const rest = len - b;
      const p = symmetric(rest, b);
      const next = new Float32Array(rest * rest);
      for (let r = 0; r < rest; r++) {
        for (let c = 0; c < rest; c++) next[r * rest + c] = a[(b + r) * len + b + c]! - p[r * rest + c]!;
      }
      work.shrink(b, p);
      [a, len] = [next, rest];
      expect(work.len).toBe(len);
      for (let r = 0; r < len; r++)
        expect(Array.from(work.row(r))).toEqual(Array.from(a.subarray(r * len, (r + 1) * len)));
      const x = Float64Array.from({ length: len }, (_, i) => Math.cos(i));
      const y = new Float64Array(len);
      work.times(x, 2, y);
      const expected = reference(
        a,
        len,
        x.map((v, i) => (i < 2 ? 0 : v)),
        2,
      );
      for (let i = 2; i < len; i++) {
        expect(Math.abs(y[i]! - expected.y[i]!)).toBeLessThanOrEqual(expected.bound[i]!);
      }
    }
  });

  it('serves matrices one after another, a larger one growing the memory', () => {
    for (const len of [8, 600, 9]) {
      const a = symmetric(len, len);
      const x = Float64Array.from({ length: len }, (_, i) => i % 3);
      const y = new Float64Array(len);
      symmetricWorkspace(a, len, simd).times(x, 0, y);
      const expected = reference(a, len, x, 0);
      expect(Math.abs(y[len - 1]! - expected.y[len - 1]!)).toBeLessThanOrEqual(expected.bound[len - 1]!);
    }
  });
});
