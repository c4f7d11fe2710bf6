import { Rng } from '@cnn/core';
import { describe, expect, it } from 'vitest';
import { compactWY, factorPanel, factorPanelWY, reflectorRows } from './householder';
import { rowStore } from './row_store';

const randomRows = (rng: Rng, count: number) => Float64Array.from({ length: count }, () => rng.normal());

describe('rowStore', () => {
  it.each([1, 5, 8, 37])(
    'dots and axpys of 1–6 rows from every start agree with float64 loops (rows of %i entries)',
    (len) => {
      const rng = new Rng(len);
      const count = 7;
      const source = randomRows(rng, count * len);
      const alphas = Float64Array.from({ length: count }, (_, k) => 0.25 * (k + 1));
      const rows = rowStore(count, len);
      // Where the engine has WebAssembly SIMD (Node does) the rows are padded to groups of four.
      expect(rows.ld).toBe((len + 3) & ~3);
      const row = (i: number, l: number) => source[i * len + l]!;
      for (let take = 1; take < count; take++) {
        for (let from = 0; from < len; from++) {
          for (let i = 0; i < count; i++) rows.data.set(source.subarray(i * len, (i + 1) * len), i * rows.ld);
          const out = new Float64Array(take);
          rows.dots(0, 1, take, from, out);
          rows.axpys(alphas, 0, 1, take, from);
          for (let k = 0; k < take; k++) {
            let dot = 0;
            for (let l = from; l < len; l++) dot += row(0, l) * row(1 + k, l);
            expect(out[k]).toBeCloseTo(dot, 12);
          }
          // Rows 1..take updated from `from` on; row 0 and the rows after them untouched; padding zero.
          for (let i = 0; i < count; i++) {
            for (let l = 0; l < rows.ld; l++) {
              const updated = i >= 1 && i <= take && l >= from;
              const want = l >= len ? 0 : updated ? row(i, l) - alphas[i - 1]! * row(0, l) : row(i, l);
              expect(rows.data[i * rows.ld + l]).toBeCloseTo(want, 12);
            }
          }
        }
      }
    },
  );

  it.each([1, 5, 8, 37])(
    'combine of 0–6 rows into another from every start agrees with float64 loops (rows of %i entries)',
    (len) => {
      const rng = new Rng(100 + len);
      const count = 8;
      const source = randomRows(rng, count * len);
      const coefs = Float64Array.from({ length: count }, () => rng.normal());
      for (const simd of [true, false]) {
        const rows = rowStore(count, len, simd);
        const row = (i: number, l: number) => source[i * len + l]!;
        for (let take = 0; take < count - 1; take++) {
          for (let from = 0; from < len; from++) {
            for (let i = 0; i < count; i++)
              rows.data.set(source.subarray(i * len, (i + 1) * len), i * rows.ld);
            // Row 0 −= Σ_k coefs[k] · row (1 + k).
            rows.combine(coefs, 0, 1, take, from);
            for (let l = 0; l < rows.ld; l++) {
              let want = l >= len ? 0 : row(0, l);
              if (l >= from && l < len) for (let k = 0; k < take; k++) want -= coefs[k]! * row(1 + k, l);
              expect(rows.data[l]).toBeCloseTo(want, 12);
            }
            for (let i = 1; i < count; i++) expect(rows.data[i * rows.ld]).toBe(row(i, 0)); // the others untouched
          }
        }
      }
    },
  );

  it('gives factorPanel and compactWY the results of their JavaScript loops, and an orthogonal I − V T Vᵀ', () => {
    const [b, n] = [6, 23];
    const p = randomRows(new Rng(9), b * n);
    const [simd, js] = [p.slice(), p.slice()];
    const taus = factorPanel(simd, b, n);
    const jsTaus = factorPanel(js, b, n, false);
    for (let i = 0; i < b * n; i++) expect(simd[i]).toBeCloseTo(js[i]!, 12);
    for (let r = 0; r < b; r++) expect(taus[r]).toBeCloseTo(jsTaus[r]!, 12);
    const v = reflectorRows(simd, b, n, 0, n);
    const t = compactWY(v, taus, b, n);
    const jsT = compactWY(v, taus, b, n, false);
    for (let i = 0; i < b * b; i++) expect(t[i]).toBeCloseTo(jsT[i]!, 12);
    // The one-store path from float32 rows: the same R block, reflectors and T.
    const once = factorPanelWY(Float32Array.from(p), b, n);
    const twice = p.slice();
    factorPanel(twice, b, n);
    for (let row = 0; row < b; row++) {
      for (let col = 0; col < b; col++) {
        expect(once.r[row * b + col]).toBeCloseTo(col >= row ? twice[col * n + row]! : 0, 5);
      }
    }
    for (let i = 0; i < b * n; i++) expect(once.v[i]).toBeCloseTo(reflectorRows(twice, b, n, 0, n)[i]!, 5);
    for (let i = 0; i < b * b; i++) expect(once.t[i]).toBeCloseTo(t[i]!, 5);
    // Q = I − V T Vᵀ (n×n, V = vᵀ) is orthogonal: Qᵀ Q = I.
    const q = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let r = 0; r < b; r++)
          for (let c = 0; c < b; c++) s += v[r * n + i]! * t[r * b + c]! * v[c * n + j]!;
        q[i * n + j] = (i === j ? 1 : 0) - s;
      }
    }
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let l = 0; l < n; l++) s += q[l * n + i]! * q[l * n + j]!;
        worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
      }
    }
    expect(worst).toBeLessThan(1e-13);
  });
});
