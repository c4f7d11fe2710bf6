import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { geometric, withSingularValues } from '../test/helpers';
import { referenceSingularValues } from '../test/reference';
import { eigh64 } from './eigh64';
import { LinalgError } from './errors';
import { gram64 } from './gram64';
import { jacobiEigen } from './jacobi';

function symmetric(seed: number, n: number): Float64Array {
  const rng = new Rng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

/** max |A v_j − λ_j v_j| over the columns given, and max |VᵀV − I|. */
function residuals(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array, k: number) {
  let residual = 0;
  let orthogonality = 0;
  for (let j = 0; j < k; j++) {
    const lambda = values[n - k + j]!;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let l = 0; l < n; l++) s += a[i * n + l]! * vectors[l * k + j]!;
      residual = Math.max(residual, Math.abs(s - lambda * vectors[i * k + j]!));
    }
    for (let c = 0; c < k; c++) {
      let dot = 0;
      for (let l = 0; l < n; l++) dot += vectors[l * k + j]! * vectors[l * k + c]!;
      orthogonality = Math.max(orthogonality, Math.abs(dot - (c === j ? 1 : 0)));
    }
  }
  return { residual, orthogonality };
}

describe('eigh64', () => {
  it.each([1, 2, 5, 37, 130])('diagonalises a symmetric matrix of order %i in float64', (n) => {
    const a = symmetric(n, n);
    const { values, vectors } = eigh64(a, n);
    const reference = jacobiEigen(a, n).values.slice().sort();
    for (let i = 0; i < n; i++) expect(Math.abs(values[i]! - reference[i]!)).toBeLessThan(1e-12 * n);
    for (let i = 1; i < n; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
    const { residual, orthogonality } = residuals(a, n, values, vectors, n);
    expect(residual).toBeLessThan(1e-12 * n);
    expect(orthogonality).toBeLessThan(1e-12 * n);
  });

  it('forms only the vectors of the largest eigenvalues, as the full call does (up to sign)', () => {
    const n = 60;
    const a = symmetric(3, n);
    const all = eigh64(a, n);
    const some = eigh64(a, n, { largest: 7 });
    expect(Array.from(some.values)).toEqual(Array.from(all.values));
    expect(some.vectors.length).toBe(n * 7);
    for (let j = 0; j < 7; j++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += some.vectors[i * 7 + j]! * all.vectors[i * n + n - 7 + j]!;
      expect(Math.abs(Math.abs(dot) - 1)).toBeLessThan(1e-10);
    }
    expect(residuals(a, n, some.values, some.vectors, 7).residual).toBeLessThan(1e-10);
    expect(eigh64(a, n, { largest: 0 }).vectors.length).toBe(0);
  });

  it('keeps the small singular values of float32 data through its float64 Gram matrix (condition 1e6)', () => {
    const n = 40;
    const { a, ref } = withSingularValues(new Rng(11), 90, n, geometric(n, 1e6));
    const exact = referenceSingularValues(ref);
    const { gram } = gram64(a);
    const { values } = eigh64(gram, n);
    const top = exact[0]!;
    for (let j = 0; j < n; j++) {
      // Eigenvalues within a few ε₆₄‖G‖: σ² to ~1e-14 σ₁², so σ = 1e-6 σ₁ still to ~1e-8 σ₁, where a
      // float32 SVD gives ~6e-8 σ₁ and a float32 Gram matrix nothing at all.
      expect(Math.abs(values[n - 1 - j]! - exact[j]! ** 2)).toBeLessThan(1e-13 * top * top);
    }
    a.dispose();
  });

  it('converges on a cluster of eigenvalues at zero (data with near-constant columns)', () => {
    // Columns 1e-7 from zero make G's eigenvalues ~1e-14 ‖G‖: a relative deflation test alone never passes.
    const [m, n] = [300, 120];
    const rng = new Rng(5);
    const data = new Float32Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) data[i * n + j] = j % 3 === 0 ? 1e-7 * rng.normal() : rng.normal();
    }
    const x = tf.tensor2d(data, [m, n]);
    const { gram } = gram64(x, { center: true });
    const { values, vectors } = eigh64(gram, n);
    let norm = 0;
    for (const v of values) norm = Math.max(norm, Math.abs(v));
    expect(values.filter((v) => v < 1e-9 * norm).length).toBe(n / 3);
    expect(values[0]!).toBeGreaterThan(-1e-13 * norm);
    const { residual, orthogonality } = residuals(gram, n, values, vectors, n);
    expect(residual).toBeLessThan(1e-11 * norm);
    expect(orthogonality).toBeLessThan(1e-9);
    x.dispose();
  });

  it('rejects a wrong size, a wrong count of vectors and non-finite entries with a LinalgError', () => {
    expect(() => eigh64(new Float64Array(5), 2)).toThrow(/2² = 4 entries, got 5/);
    expect(() => eigh64(new Float64Array(4), 2, { largest: 3 })).toThrow(
      /largest must be an integer in \[0, 2\], got 3/,
    );
    expect(() => eigh64(Float64Array.of(1, Number.NaN, Number.NaN, 1), 2)).toThrow(
      /finite entries, got NaN at \(0, 1\)/,
    );
    expect(() => eigh64(new Float64Array(4), 2, { largest: 1.5 })).toThrow(LinalgError);
    expect(eigh64(new Float64Array(0), 0).values.length).toBe(0);
  });
});
