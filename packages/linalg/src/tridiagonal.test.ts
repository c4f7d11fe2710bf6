import { readFileSync } from 'node:fs';
import { Rng } from '@cnn/core';
import { describe, expect, it } from 'vitest';
import { tridiagonalEigen } from './tridiagonal';

describe('tridiagonalEigen', () => {
  it('converges where part of the spectrum is at roundoff level against the whole (deflating below ε‖T‖)', () => {
    // The tridiagonal form of a float64 Gram matrix of MNIST digits (an unreduced block of 742): 80 of its
    // eigenvalues are ~1e-12 against ‖T‖ ~ 4e4, where QL with a relative deflation test alone never converged.
    const fixture = JSON.parse(
      readFileSync(new URL('../test/fixtures/gram_tridiagonal.json', import.meta.url), 'utf8'),
    );
    const d = Float64Array.from(fixture.d as number[]);
    const e = Float64Array.from(fixture.e as number[]);
    const n = d.length;
    const { values } = tridiagonalEigen(d, e, n);
    let norm = 0;
    for (let i = 0; i < n; i++)
      norm = Math.max(norm, Math.abs(d[i]!) + Math.abs(e[i] ?? 0) + Math.abs(e[i - 1] ?? 0));
    // Sturm counts (the LDLᵀ inertia of T − x I) bracket every eigenvalue independently of QL.
    const below = (x: number) => {
      let count = 0;
      let q = 1;
      for (let i = 0; i < n; i++) {
        q = d[i]! - x - (i > 0 ? (e[i - 1]! * e[i - 1]!) / q : 0);
        if (q === 0) q = 1e-300;
        if (q < 0) count++;
      }
      return count;
    };
    const slack = 64 * 2 ** -52 * norm;
    for (const i of [0, 40, 79, 80, 81, 400, n - 1]) {
      expect(below(values[i]! - slack)).toBeLessThanOrEqual(i);
      expect(below(values[i]! + slack)).toBeGreaterThanOrEqual(i + 1);
    }
  });

  it('forms the vectors from index `from` on only, the same as the full call', () => {
    const rng = new Rng(2);
    const n = 50;
    const d = Float64Array.from({ length: n }, () => rng.normal());
    const e = Float64Array.from({ length: n - 1 }, () => rng.normal());
    const all = tridiagonalEigen(d, e);
    const top = tridiagonalEigen(d, e, 45);
    expect(Array.from(top.values)).toEqual(Array.from(all.values));
    // Same eigenvectors up to sign (inverse iteration starts from other vectors).
    for (let j = 0; j < 5; j++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += top.vectors[j * n + i]! * all.vectors[(45 + j) * n + i]!;
      expect(Math.abs(Math.abs(dot) - 1)).toBeLessThan(1e-12);
    }
    const none = tridiagonalEigen(d, e, n);
    expect(none.vectors.length).toBe(0);
    expect(Array.from(none.values)).toEqual(Array.from(all.values));
  });
});
