import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gaussian, orthogonalityError } from '../test/helpers';
import { LinalgError } from './errors';
import { qr } from './qr';

const maxAbs = (x: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(x)).dataSync()[0]!);

describe('qr', () => {
  it.each([
    [5, 3, false],
    [3, 5, false],
    [80, 45, false],
    [45, 80, false],
    [70, 70, true],
    [50, 20, true],
    // Several panels, so that forming Q grows its block panel by panel: tall, square, wide, thin.
    [150, 100, false],
    [100, 100, false],
    [100, 100, true],
    [60, 130, false],
    [130, 70, true],
    [1, 7, false],
    [9, 1, false],
    [9, 1, true],
  ])('factors a %i×%i matrix (full: %s) into orthonormal Q and upper-triangular R', async (m, n, full) => {
    const { a } = gaussian(new Rng(m + n), m, n);
    const { q, r } = await expectNoLeaks(() => qr(a, { full }));
    const k = full ? m : Math.min(m, n);
    expect(q.shape).toEqual([m, k]);
    expect(r.shape).toEqual([k, n]);
    expect(orthogonalityError(q)).toBeLessThan(1e-5);
    const back = tf.matMul(q, r);
    expect(maxAbs(tf.sub(back, a)) / maxAbs(a)).toBeLessThan(1e-5);
    const below = r.arraySync() as number[][];
    expect(below.flatMap((row, i) => row.slice(0, i)).every((v) => v === 0)).toBe(true);
    tf.dispose([a, q, r, back]);
  });

  it.each([
    [200, 70],
    [70, 70],
    [40, 90],
    [1, 5],
    [6, 1],
  ])("mode 'r' of a %i×%i matrix gives the R of the full call, with RᵀR = AᵀA", async (m, n) => {
    const { a, ref } = gaussian(new Rng(3 * m + n), m, n);
    const { r } = await expectNoLeaks(() => qr(a, { mode: 'r' }));
    const both = qr(a);
    expect(r.shape).toEqual([Math.min(m, n), n]);
    expect(Array.from(r.dataSync())).toEqual(Array.from(both.r.dataSync()));
    // AᵀA in float64 from A's float32 values, against RᵀR of the float32 R.
    const rr = Float64Array.from(r.dataSync());
    const k = Math.min(m, n);
    let worst = 0;
    let largest = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let ata = 0;
        for (let l = 0; l < m; l++) ata += ref.data[l * n + i]! * ref.data[l * n + j]!;
        let rtr = 0;
        for (let l = 0; l < k; l++) rtr += rr[l * n + i]! * rr[l * n + j]!;
        worst = Math.max(worst, Math.abs(ata - rtr));
        largest = Math.max(largest, Math.abs(ata));
      }
    }
    expect(worst / largest).toBeLessThan(1e-5);
    const full = qr(a, { mode: 'r', full: true }).r;
    expect(full.shape).toEqual([m, n]);
    tf.dispose([a, r, both.q, both.r, full]);
  });

  it('rejects an unknown mode', () => {
    const a = tf.ones([3, 2]);
    expect(() => qr(a, { mode: 'raw' as 'r' })).toThrow(LinalgError);
    expect(() => qr(a, { mode: 'raw' as 'r' })).toThrow(/mode must be 'qr' or 'r', got 'raw'/);
    a.dispose();
  });

  it('works on batches, int32 input and rejects a vector', () => {
    const a = tf.tensor3d(
      [
        [
          [1, 2],
          [3, 4],
        ],
        [
          [2, 0],
          [0, 2],
        ],
      ],
      [2, 2, 2],
      'int32',
    );
    const { q, r } = qr(a);
    expect(q.shape).toEqual([2, 2, 2]);
    const back = tf.matMul(q, r).dataSync();
    Array.from(a.dataSync()).forEach((v, i) => {
      expect(back[i]).toBeCloseTo(v, 5);
    });
    expect(() => qr(tf.tensor1d([1, 2]))).toThrow(LinalgError);
    expect(() => qr(tf.tensor1d([1, 2]))).toThrow(/rank ≥ 2.*got shape \[2\]/);
    tf.dispose([a, q, r]);
  });
});
