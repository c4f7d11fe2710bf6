import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { LayerError, ShapeError } from '../errors';
import { gradientCheck } from '../gradient_check';
import { FractionalMaxPooling2D, fractionalPoolingSequence } from './fractional_max_pooling';

/** Distinct values 0.1 apart: no ties, and ±ε never changes a region's max. */
function distinct(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from(new Rng(seed).permutation(n), (v) => v * 0.1 - 5),
    shape,
  );
}

/** The paper's pseudo-random boundaries ⌈α(i + u)⌉, shifted to start at 0, α = n/m. */
const closedForm = (n: number, m: number, u: number) =>
  Array.from({ length: m + 1 }, (_, i) => Math.ceil((n / m) * (i + u)) - Math.ceil((n / m) * u));

const steps = (a: number[]) => a.slice(1).map((v, i) => v - a[i]!);

/** Max over regions [a_{i−1}, a_i − 1] (or to a_i, clipped, when overlapping), straight from the definition. */
function referencePool(
  x: ArrayLike<number>,
  [n, h, w, c]: number[],
  rows: number[],
  cols: number[],
  overlapping: boolean,
) {
  const oh = rows.length - 1;
  const ow = cols.length - 1;
  const last = (a: number[], i: number, size: number) =>
    overlapping ? Math.min(a[i + 1]!, size - 1) : a[i + 1]! - 1;
  const out = new Float32Array(n! * oh * ow * c!);
  for (let b = 0; b < n!; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < c!; k++) {
          let max = -Infinity;
          for (let r = rows[i]!; r <= last(rows, i, h!); r++)
            for (let q = cols[j]!; q <= last(cols, j, w!); q++)
              max = Math.max(max, x[((b * h! + r) * w! + q) * c! + k]!);
          out[((b * oh + i) * ow + j) * c! + k] = max;
        }
  return { data: out, shape: [n!, oh, ow, c!] };
}

describe('fractionalPoolingSequence', () => {
  it('is the closed form with u = ½ at inference', () => {
    for (const [n, m] of [
      [10, 7],
      [7, 4],
      [9, 6],
      [25, 17],
      [8, 4],
      [5, 2],
    ] as const) {
      const a = fractionalPoolingSequence(n, m);
      expect(a).toEqual(closedForm(n, m, 0.5));
      expect(a[0]).toBe(0);
      expect(a[m]).toBe(n);
    }
    expect(fractionalPoolingSequence(10, 7)).toEqual([0, 2, 3, 4, 6, 7, 9, 10]);
  });

  it('draws pseudo-random boundaries from the rng, a valid mix of 1s and 2s', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const rng = new Rng(seed);
      const a = fractionalPoolingSequence(23, 16, { rng });
      expect(a).toEqual(closedForm(23, 16, new Rng(seed).float()));
      expect(a[16]).toBe(23);
      expect(steps(a).every((s) => s === 1 || s === 2)).toBe(true);
      seen.add(a.join());
    }
    expect(seen.size).toBeGreaterThan(3);
  });

  it('shuffles the steps when random: n − m twos among m steps', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const a = fractionalPoolingSequence(23, 16, { pseudoRandom: false, rng: new Rng(seed) });
      const s = steps(a);
      expect(s.filter((v) => v === 2)).toHaveLength(7);
      expect(s.filter((v) => v === 1)).toHaveLength(9);
      seen.add(a.join());
    }
    expect(seen.size).toBeGreaterThan(10);
    // A ratio above 2 steps by 2 and 3.
    expect(
      new Set(steps(fractionalPoolingSequence(12, 5, { pseudoRandom: false, rng: new Rng(1) }))),
    ).toEqual(new Set([2, 3]));
    expect(() => fractionalPoolingSequence(3, 4)).toThrow(LayerError);
  });
});

describe('FractionalMaxPooling2D', () => {
  const shape = [2, 7, 9, 2];

  it.each([false, true])(
    'pools over the fixed regions at inference (overlapping: %s)',
    async (overlapping) => {
      const layer = new FractionalMaxPooling2D({ overlapping });
      const x = distinct(shape, 1);
      const y = await expectNoLeaks(() => layer.apply(x), 'FractionalMaxPooling2D.apply');
      // ⌊7/√2⌋ = 4, ⌊9/√2⌋ = 6
      const ref = referencePool(
        x.dataSync(),
        shape,
        closedForm(7, 4, 0.5),
        closedForm(9, 6, 0.5),
        overlapping,
      );
      expect(ref.shape).toEqual([2, 4, 6, 2]);
      expect(y.shape).toEqual(ref.shape);
      expect(layer.computeOutputShape([[null, 7, 9, 2]])).toEqual([null, 4, 6, 2]);
      expect(Array.from(y.dataSync())).toEqual(Array.from(ref.data));
      tf.dispose([x, y]);
    },
  );

  it.each([
    [true, false],
    [true, true],
    [false, false],
    [false, true],
  ])(
    'draws its regions from the rng in training (pseudoRandom: %s, overlapping: %s)',
    (pseudoRandom, overlapping) => {
      const layer = new FractionalMaxPooling2D({ pseudoRandom, overlapping, poolingRatio: [1.5, 1.4] });
      const x = distinct(shape, 2);
      const outputs = new Set<string>();
      for (let seed = 0; seed < 6; seed++) {
        const y = layer.apply(x, { training: true, rng: new Rng(seed) });
        // The layer draws the rows' sequence, then the columns'.
        const rng = new Rng(seed);
        const rows = fractionalPoolingSequence(7, 4, { pseudoRandom, rng });
        const cols = fractionalPoolingSequence(9, 6, { pseudoRandom, rng });
        const ref = referencePool(x.dataSync(), shape, rows, cols, overlapping);
        expect(y.shape).toEqual(ref.shape);
        expect(Array.from(y.dataSync())).toEqual(Array.from(ref.data));
        outputs.add(Array.from(y.dataSync()).join());
        y.dispose();
      }
      expect(outputs.size).toBeGreaterThan(1);
      // Not training: the rng is ignored.
      const a = layer.apply(x, { rng: new Rng(0) });
      const b = layer.apply(x, { rng: new Rng(1) });
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      tf.dispose([x, a, b]);
    },
  );

  it('acts as 2×2 max pooling at ratio 2', () => {
    const x = distinct([1, 4, 6, 3], 3);
    const y = new FractionalMaxPooling2D({ poolingRatio: 2 }).apply(x, { training: true, rng: new Rng(0) });
    const z = tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid');
    expect(Array.from(y.dataSync())).toEqual(Array.from(z.dataSync()));
    tf.dispose([x, y, z]);
  });

  it.each([
    ['inference', {}],
    ['training, pseudo-random, overlapping', { training: true, rng: new Rng(5) }],
  ] as const)('passes the gradient check: %s', (name, call) => {
    const layer = new FractionalMaxPooling2D({ overlapping: name !== 'inference' });
    const x = distinct([2, 6, 7, 2], 4);
    const { maxRelativeError } = gradientCheck(layer, [x], { samples: 20, epsilon: 0.04, call });
    expect(maxRelativeError).toBeLessThan(1e-2);
    x.dispose();
  });

  it('says why an input is too small and rejects ratios below 1', () => {
    const layer = new FractionalMaxPooling2D({ name: 'frac' });
    expect(() => layer.computeOutputShape([[null, 1, 9, 2]])).toThrow(ShapeError);
    expect(() => layer.computeOutputShape([[null, 1, 9, 2]])).toThrow(
      `frac: the height of its input, 1, is too small: ⌊N/α⌋ = ⌊1/${Math.SQRT2}⌋ = 0 < 1`,
    );
    expect(() => layer.computeOutputShape([[null, 9]])).toThrow(/rank 4/);
    expect(() => new FractionalMaxPooling2D({ poolingRatio: 0.5, name: 'f' })).toThrow(
      'f: poolingRatio must be at least 1, got 0.5',
    );
  });

  it('reports its config', () => {
    const layer = new FractionalMaxPooling2D({ poolingRatio: [1.5, 2], name: 'fm' });
    expect(layer.className).toBe('FractionalMaxPooling2D');
    expect(layer.getConfig()).toEqual({
      name: 'fm',
      trainable: true,
      poolingRatio: [1.5, 2],
      pseudoRandom: true,
      overlapping: false,
    });
    expect(layer.computeOutputShape([[null, 3, 8, 5]])).toEqual([null, 2, 4, 5]);
  });
});
