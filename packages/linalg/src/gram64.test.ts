import { expectNoLeaks, hostThreads, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { LinalgError } from './errors';
import { centredGram, gram64 } from './gram64';

/** m×f float32 data, a share `zeros` of it zero, rows `blank` all zero. */
function sparse(seed: number, m: number, f: number, zeros: number, blank: number[] = []): Float32Array {
  const rng = new Rng(seed);
  const data = new Float32Array(m * f);
  for (let i = 0; i < m * f; i++) {
    const u = rng.uniform();
    data[i] = u < zeros ? 0 : rng.normal() + 3;
  }
  for (const r of blank) data.fill(0, r * f, (r + 1) * f);
  return data;
}

/** (X − 1μᵀ)ᵀ(X − 1μᵀ) by plain float64 loops on the centred data. */
function reference(data: Float32Array, m: number, f: number, center: boolean): Float64Array {
  const mean = new Float64Array(f);
  if (center) for (let i = 0; i < m * f; i++) mean[i % f] = mean[i % f]! + data[i]! / m;
  const g = new Float64Array(f * f);
  for (let r = 0; r < m; r++) {
    for (let i = 0; i < f; i++) {
      const xi = data[r * f + i]! - mean[i]!;
      for (let j = 0; j < f; j++) g[i * f + j] = g[i * f + j]! + xi * (data[r * f + j]! - mean[j]!);
    }
  }
  return g;
}

describe('gram64', () => {
  it('is XᵀX of the example', () => {
    expect(
      Array.from(
        gram64(
          tf.tensor2d([
            [1, 2],
            [3, 4],
          ]),
        ).gram,
      ),
    ).toEqual([10, 14, 14, 20]);
  });

  it.each([
    [57, 300, 0.7, false],
    [57, 300, 0.7, true],
    [40, 129, 0, true],
    [33, 5, 0.95, true],
    [2300, 40, 0.5, true],
  ])('equals float64 loops on %i × %i data, %f zeros (centred: %s)', async (m, f, zeros, center) => {
    const data = sparse(m + f, m, f, zeros, [0, 7]);
    const x = tf.tensor2d(data, [m, f]);
    const { gram, mean } = await expectNoLeaks(() => gram64(x, { center }));
    const ref = reference(data, m, f, center);
    let scale = 0;
    for (let i = 0; i < f; i++) scale = Math.max(scale, ref[i * f + i]!);
    let [error, asymmetry, meanError] = [0, 0, 0];
    for (let i = 0; i < f * f; i++) error = Math.max(error, Math.abs(gram[i]! - ref[i]!));
    for (let i = 0; i < f; i++) {
      for (let j = 0; j < i; j++)
        asymmetry = Math.max(asymmetry, Math.abs(gram[i * f + j]! - gram[j * f + i]!));
    }
    for (let j = 0; j < f; j++) {
      let sum = 0;
      for (let r = 0; r < m; r++) sum += data[r * f + j]!;
      meanError = Math.max(meanError, Math.abs(mean[j]! - (center ? sum / m : 0)));
    }
    expect(error).toBeLessThan(1e-13 * (scale + 1) * m);
    expect(asymmetry).toBe(0);
    expect(meanError).toBeLessThan(1e-14);
    x.dispose();
  });

  it('sums the same in WebAssembly, on every host thread, and JavaScript, bit for bit', async () => {
    await hostThreads(); // the workers up, so that they take their share
    // 3 blocks of rows (the last partial) of 9 chunks each, 3 bands (the last partial): short gaps within
    // runs, zeros and blank rows.
    const [m, f] = [4500, 270];
    const data = sparse(9, m, f, 0.8, [3, 2048, 4499]);
    const a = centredGram(data, m, f, true, true);
    const b = centredGram(data, m, f, true, false);
    expect(Array.from(a.gram)).toEqual(Array.from(b.gram));
    expect(Array.from(a.mean)).toEqual(Array.from(b.mean));
  });

  it('rejects non-finite entries, naming them, and shapes it cannot take', () => {
    for (const [bad, text] of [
      [Number.NaN, 'NaN'],
      [Number.NEGATIVE_INFINITY, '-Infinity'],
    ] as const) {
      const x = tf.tensor2d([1, 0, 2, 0, bad, 3], [2, 3]);
      expect(() => gram64(x)).toThrow(LinalgError);
      expect(() => gram64(x)).toThrow(new RegExp(`finite numbers, got ${text} at \\[1, 1\\]`));
      x.dispose();
    }
    const wide = tf.zeros([1, 4097]) as tf.Tensor2D;
    expect(() => gram64(wide)).toThrow(/at most 4096 columns .*got 4097/);
    wide.dispose();
    expect(() => gram64(tf.zeros([2, 2, 2]) as unknown as tf.Tensor2D)).toThrow(
      /must be a matrix \[m, f\], got shape \[2, 2, 2\]/,
    );
  });
});
