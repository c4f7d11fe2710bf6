import { describe, expect, it } from 'vitest';
import { simdSymmetric } from './symv_simd';

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

describe('the SIMD product of the tridiagonalization', () => {
  it.each([
    [1, 0],
    [5, 0],
    [7, 3],
    [37, 5],
    [64, 63],
    [130, 17],
  ])(
    'gives y[start..] = A[start.., start..] x[start..] for len %i from %i, in float64 sums',
    (len, start) => {
      const a = symmetric(len, len + start);
      const x = Float64Array.from({ length: len }, (_, i) => (i < start ? 1e30 : Math.sin(i + 1)));
      const product = simdSymmetric(a, len);
      expect(product).toBeDefined(); // Node 20 has WebAssembly SIMD
      const y = new Float64Array(len).fill(-7);
      product!.times(x, start, y);
      for (let i = 0; i < len; i++) {
        if (i < start) {
          expect(y[i]).toBe(-7); // entries before start are left alone
          continue;
        }
        let expected = 0;
        for (let j = start; j < len; j++) expected += a[i * len + j]! * x[j]!;
        expect(Math.abs(y[i]! - expected)).toBeLessThan(1e-12 * len);
      }
    },
  );

  it('serves matrices one after another, a larger one growing the memory', () => {
    for (const len of [8, 600, 9]) {
      const a = symmetric(len, len);
      const x = Float64Array.from({ length: len }, (_, i) => i % 3);
      const y = new Float64Array(len);
      simdSymmetric(a, len)!.times(x, 0, y);
      const row = len - 1;
      let expected = 0;
      for (let j = 0; j < len; j++) expected += a[row * len + j]! * x[j]!;
      expect(y[row]).toBeCloseTo(expected, 9);
    }
  });
});
