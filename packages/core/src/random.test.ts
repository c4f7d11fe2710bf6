import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { CnnError } from './errors';
import { Rng } from './random';

const draws = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.uint32());

describe('Rng', () => {
  it('is xoshiro128**: matches the reference C implementation from the state {1, 2, 3, 4}', () => {
    // Printed by Blackman & Vigna's xoshiro128starstar.c with s = {1, 2, 3, 4}: six next(), jump(), four next().
    const rng = Rng.fromState({ s: [1, 2, 3, 4] });
    expect(draws(rng, 6)).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
    const child = rng.fork();
    expect(draws(rng, 4)).toEqual([2327035934, 1140626159, 913312880, 2049367984]);
    // The child carries on the stream the parent had before its jump.
    const replay = Rng.fromState({ s: [1, 2, 3, 4] });
    draws(replay, 6);
    expect(draws(child, 5)).toEqual(draws(replay, 5));
  });

  it('repeats for a seed, differs across seeds, and resumes from a saved state', () => {
    expect(draws(new Rng(42), 8)).toEqual(draws(new Rng(42), 8));
    expect(draws(new Rng(42), 8)).not.toEqual(draws(new Rng(43), 8));
    expect(draws(new Rng(2 ** 40), 4)).not.toEqual(draws(new Rng(0), 4));
    const rng = new Rng(7);
    draws(rng, 3);
    const saved = JSON.parse(JSON.stringify(rng.getState()));
    expect(draws(Rng.fromState(saved), 5)).toEqual(draws(rng, 5));
  });

  it('rejects bad seeds and states with a CnnError', () => {
    expect(() => new Rng(1.5)).toThrow(CnnError);
    expect(() => new Rng(Number.NaN)).toThrow(/safe integer/);
    expect(() => Rng.fromState({ s: [0, 0, 0, 0] })).toThrow(/all-zero/);
    expect(() => Rng.fromState({ s: [1, 2, 3] } as never)).toThrow(/four uint32/);
    expect(() => new Rng(1).int(0)).toThrow(/n must be/);
  });

  it('draws floats in [0, 1) and unbiased integers (chi-square, 100,000 draws)', () => {
    const rng = new Rng(1);
    const counts = new Array(10).fill(0);
    let min = 1;
    let max = 0;
    for (let i = 0; i < 100_000; i++) {
      const f = rng.float();
      min = Math.min(min, f);
      max = Math.max(max, f);
      counts[rng.int(10)]++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    const chi2 = counts.reduce((sum, c) => sum + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(27.88); // χ²(9) at p = 0.001
  });

  it('draws normals with the asked mean and spread, truncated ones within two deviations', () => {
    const rng = new Rng(3);
    const xs = Array.from({ length: 100_000 }, () => rng.normal(2, 3));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean - 2)).toBeLessThan(0.05); // 5 standard errors (3 / √100000 ≈ 0.0095)
    expect(Math.abs(variance / 9 - 1)).toBeLessThan(0.03);
    const t = rng.truncatedNormal([10_000], 1, 0.1);
    const values = t.dataSync();
    expect(Math.max(...values)).toBeLessThanOrEqual(1.2 + 1e-6);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0.8 - 1e-6);
    t.dispose();
  });

  it('shuffles into permutations, the same for the same seed', () => {
    const p = new Rng(9).permutation(1000);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...p]).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...new Rng(9).permutation(1000)]).toEqual([...p]);
    expect(new Rng(5).shuffle(['a', 'b', 'c', 'd'])).toEqual(new Rng(5).shuffle(['a', 'b', 'c', 'd']));
  });

  it('makes tensors from its own draws, so every backend gets the same values', () => {
    const a = new Rng(11);
    const b = new Rng(11);
    const t = a.randomNormal([3, 4], 1, 2);
    const expected = new Float32Array(12);
    for (let i = 0; i < 12; i += 2) {
      // The polar method's pair, in order.
      for (;;) {
        const u = 2 * b.float() - 1;
        const v = 2 * b.float() - 1;
        const s = u * u + v * v;
        if (s > 0 && s < 1) {
          const f = Math.sqrt((-2 * Math.log(s)) / s);
          expected[i] = 1 + 2 * u * f;
          expected[i + 1] = 1 + 2 * v * f;
          break;
        }
      }
    }
    expect(t.shape).toEqual([3, 4]);
    expect(t.dataSync()).toEqual(expected);
    const u = new Rng(12).randomUniform([1000], -1, 1);
    expect(tf.min(u).dataSync()[0]).toBeGreaterThanOrEqual(-1);
    expect(tf.max(u).dataSync()[0]).toBeLessThan(1);
    tf.dispose([t, u]);
    expect(() => a.randomNormal([2, -1])).toThrow(/non-negative integers/);
  });

  it.each([
    [1, false],
    [2, true],
    [7, true],
    [40_001, false],
    [40_000, true],
  ])(
    'draws tensors of %i values (truncated: %s) as uniform() and normal() calls would, state included',
    (n, truncate) => {
      // The batched generators run xoshiro on local copies of the state: the stream must not change.
      const [a, b] = [new Rng(n), new Rng(n)];
      a.uint32();
      b.uint32();
      const uniform = a.randomUniform([n], -2, 3);
      expect(Array.from(uniform.dataSync())).toEqual(
        Array.from({ length: n }, () => Math.fround(b.uniform(-2, 3))),
      );
      const normal = truncate ? a.truncatedNormal([n], 1, 2) : a.randomNormal([n], 1, 2);
      expect(Array.from(normal.dataSync())).toEqual(Array.from(singleNormals(b, n, truncate, 1, 2)));
      expect(a.getState()).toEqual(b.getState());
      tf.dispose([uniform, normal]);
    },
  );

  it('leaves the state where single draws would for every small size (chunks end on every kind of draw)', () => {
    for (let n = 1; n <= 300; n++) {
      for (const seed of [1, 2, 3]) {
        const [a, b] = [new Rng(seed * 1000 + n), new Rng(seed * 1000 + n)];
        tf.dispose(a.truncatedNormal([n]));
        singleNormals(b, n, true);
        if (a.uint32() !== b.uint32())
          throw new Error(`state differs after ${n} truncated normals (seed ${seed})`);
      }
    }
  });
});

/**
 * n normal draws as the generator's single calls make them: polar pairs in order, both values used, and
 * (truncated) a value beyond 2σ drawn again by normal() — a new pair, its first value.
 */
function singleNormals(rng: Rng, n: number, truncate: boolean, mean = 0, stdDev = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    let [u, v, s] = [0, 0, 0];
    do {
      u = 2 * rng.float() - 1;
      v = 2 * rng.float() - 1;
      s = u * u + v * v;
    } while (!(s > 0 && s < 1));
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    const redraw = (z: number) => {
      while (truncate && Math.abs(z) > 2) z = rng.normal();
      return mean + stdDev * z;
    };
    out[i] = redraw(u * f);
    if (i + 1 < n) out[i + 1] = redraw(v * f);
  }
  return out;
}
