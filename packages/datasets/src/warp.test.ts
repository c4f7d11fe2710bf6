import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import {
  type AffineMatrix,
  compose,
  flip,
  identity,
  rotation,
  scaling,
  translation,
  warpAffine,
} from './warp';

type Shape = [number, number, number, number];

/** Random pixels in [0.1, 1): never 0, so a 0 in the output can only be fill. */
function randomImages(shape: Shape, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(0.1, 1));
}

/** Runs warpAffine on plain pixels and returns plain pixels (and checks it leaves nothing behind). */
async function warp(
  pixels: Float32Array,
  shape: Shape,
  matrices: ArrayLike<number> | readonly AffineMatrix[],
  options?: Parameters<typeof warpAffine>[2],
): Promise<Float32Array> {
  const x = tf.tensor4d(pixels, shape);
  const y = await expectNoLeaks(() => warpAffine(x, matrices, options), 'warpAffine');
  expect(y.shape).toEqual(shape);
  expect(y.dtype).toBe('float32');
  const out = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  return out;
}

/** Plain-JS pixel access, NHWC. */
const at = (p: ArrayLike<number>, [, h, w, c]: Shape, i: number, y: number, x: number, ch: number) =>
  p[((i * h + y) * w + x) * c + ch]!;

/** Builds a batch pixel by pixel from `value(i, y, x, ch)`. */
function build(shape: Shape, value: (i: number, y: number, x: number, ch: number) => number): Float32Array {
  const [n, h, w, c] = shape;
  const out = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) out[((i * h + y) * w + x) * c + ch] = value(i, y, x, ch);
  return out;
}

/** Textbook bilinear sampling in float64, one pixel at a time: the reference for arbitrary matrices. */
function bilinearReference(p: Float32Array, shape: Shape, m: ArrayLike<number>, fill: number): Float32Array {
  const [, h, w] = shape;
  const read = (i: number, y: number, x: number, ch: number) =>
    x >= 0 && x < w && y >= 0 && y < h ? at(p, shape, i, y, x, ch) : fill;
  return build(shape, (i, y, x, ch) => {
    const [a, b, c, d, e, f] = Array.from({ length: 6 }, (_, k) => m[i * 6 + k]!) as number[];
    const sx = a! * x + b! * y + c!;
    const sy = d! * x + e! * y + f!;
    const x0 = Math.floor(sx);
    const y0 = Math.floor(sy);
    const fx = sx - x0;
    const fy = sy - y0;
    return (
      (1 - fx) * (1 - fy) * read(i, y0, x0, ch) +
      fx * (1 - fy) * read(i, y0, x0 + 1, ch) +
      (1 - fx) * fy * read(i, y0 + 1, x0, ch) +
      fx * fy * read(i, y0 + 1, x0 + 1, ch)
    );
  });
}

const repeat = (m: AffineMatrix, n: number) => Array.from({ length: n }, () => m);

describe('warpAffine', () => {
  it('returns the input for the identity matrix', async () => {
    const shape: Shape = [4, 5, 6, 3];
    const p = randomImages(shape, 1);
    expect(await warp(p, shape, repeat(identity(), 4), { fill: 7 })).toEqual(p);
    expect(await warp(p, shape, repeat(identity(), 4), { interpolation: 'nearest' })).toEqual(p);
  });

  it('copies pixels exactly under integer translations, filling with zeros', async () => {
    const shape: Shape = [8, 28, 28, 1];
    const p = randomImages(shape, 2);
    const shifts = [
      [2, -1],
      [0, 0],
      [-3, 4],
      [27, 0],
      [0, -28],
      [1, 1],
      [-1, -1],
      [5, -5],
    ] as const;
    const out = await warp(
      p,
      shape,
      shifts.map(([dx, dy]) => translation(dx, dy)),
    );
    const expected = build(shape, (i, y, x) => {
      const [dx, dy] = shifts[i]!;
      const sx = x - dx;
      const sy = y - dy;
      return sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? at(p, shape, i, sy, sx, 0) : 0;
    });
    expect(out).toEqual(expected);
  });

  it('mirrors like tf.reverse on the width axis', async () => {
    const shape: Shape = [3, 6, 5, 2];
    const p = randomImages(shape, 3);
    const mirrored = tf.reverse(tf.tensor4d(p, shape), 2);
    const expected = await mirrored.data();
    mirrored.dispose();
    expect(await warp(p, shape, repeat(flip('horizontal', 5, 6), 3))).toEqual(expected);
    const upsideDown = build(shape, (i, y, x, ch) => at(p, shape, i, 5 - y, x, ch));
    expect(await warp(p, shape, repeat(flip('vertical', 5, 6), 3))).toEqual(upsideDown);
  });

  it('turns an odd square image by 90°, 180° and 270° about its centre, whole pixels', async () => {
    const n = 7;
    const shape: Shape = [3, n, n, 2];
    const p = randomImages(shape, 4);
    // numpy's rot90 (anticlockwise), once, twice and three times: transposes and reversals.
    const expected = build(shape, (i, y, x, ch) => {
      if (i === 0) return at(p, shape, i, x, n - 1 - y, ch);
      if (i === 1) return at(p, shape, i, n - 1 - y, n - 1 - x, ch);
      return at(p, shape, i, n - 1 - x, y, ch);
    });
    const out = await warp(p, shape, [rotation(90, n, n), rotation(180, n, n), rotation(-90, n, n)]);
    expect(out).toEqual(expected);
  });

  it('averages neighbours at half-pixel shifts, blending fill in at the borders', async () => {
    const shape: Shape = [1, 3, 4, 1];
    const p = Float32Array.from([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]);
    const fill = -100;
    // Half a pixel right: each output is the mean of itself and its left neighbour; column 0 meets fill.
    const right = await warp(p, shape, [translation(0.5, 0)], { fill });
    expect(Array.from(right)).toEqual([
      (fill + 1) / 2,
      1.5,
      3,
      6,
      (fill + 16) / 2,
      24,
      48,
      96,
      (fill + 256) / 2,
      384,
      768,
      1536,
    ]);
    // Half a pixel up and left: the mean of a 2×2 block; the last row and column reach past the border.
    const diag = await warp(p, shape, [translation(-0.5, -0.5)], { fill });
    expect(Array.from(diag)).toEqual([
      (1 + 2 + 16 + 32) / 4,
      (2 + 4 + 32 + 64) / 4,
      (4 + 8 + 64 + 128) / 4,
      (8 + 128 + 2 * fill) / 4,
      (16 + 32 + 256 + 512) / 4,
      (32 + 64 + 512 + 1024) / 4,
      (64 + 128 + 1024 + 2048) / 4,
      (128 + 2048 + 2 * fill) / 4,
      (256 + 512 + 2 * fill) / 4,
      (512 + 1024 + 2 * fill) / 4,
      (1024 + 2048 + 2 * fill) / 4,
      (2048 + 3 * fill) / 4,
    ]);
  });

  it('takes the nearest pixel with interpolation: nearest', async () => {
    const shape: Shape = [3, 6, 6, 1];
    const p = randomImages(shape, 5);
    // 0.4 px rounds back to the same pixel, 0.6 px to the next one; a half rounds up (x + 0.5 reads x + 1).
    const out = await warp(p, shape, [translation(0.4, -0.4), translation(0.6, 0), translation(-0.5, 0)], {
      interpolation: 'nearest',
      fill: 9,
    });
    const expected = build(shape, (i, y, x) => {
      if (i === 0) return at(p, shape, 0, y, x, 0);
      if (i === 1) return x >= 1 ? at(p, shape, 1, y, x - 1, 0) : 9;
      return x <= 4 ? at(p, shape, 2, y, x + 1, 0) : 9;
    });
    expect(out).toEqual(expected);
    // At any angle nearest only ever copies input pixels or fill.
    const turned = await warp(p, shape, repeat(rotation(37, 6, 6), 3), { interpolation: 'nearest', fill: 9 });
    const values = new Set([...p, 9]);
    expect([...turned].every((v) => values.has(v))).toBe(true);
    expect(turned).not.toEqual(p);
  });

  it('warps each image of a batch with its own matrix, like a float64 reference, in any number of steps', async () => {
    const shape: Shape = [5, 9, 11, 3];
    const p = randomImages(shape, 6);
    const matrices = [
      rotation(23, 11, 9),
      compose(flip('horizontal', 11, 9), scaling(1.3, 11, 9), translation(0.25, -1.7)),
      scaling([0.7, 1.6], 11, 9),
      [0.9, 0.2, 0.5, -0.3, 1.1, 0.8] as const,
      rotation(-140, 11, 9),
    ];
    const flat = matrices.flat();
    for (const [fill, imagesPerStep] of [
      [0, undefined],
      [0.5, undefined],
      [0.5, 2],
      [0, 1],
      [0.25, 3],
    ] as const) {
      const out = await warp(p, shape, flat, { fill, ...(imagesPerStep && { imagesPerStep }) });
      const expected = bilinearReference(p, shape, flat, fill);
      let worst = 0;
      for (let k = 0; k < out.length; k++) worst = Math.max(worst, Math.abs(out[k]! - expected[k]!));
      expect(worst).toBeLessThan(1e-5);
    }
  });

  it('casts int32 images to float32 and accepts an empty batch', async () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1], 'int32');
    const y = warpAffine(x, [translation(1, 0)]);
    expect(y.dtype).toBe('float32');
    expect(Array.from(await y.data())).toEqual([0, 1, 0, 3]);
    const empty = warpAffine(tf.zeros([0, 3, 3, 1]) as tf.Tensor4D, []);
    expect(empty.shape).toEqual([0, 3, 3, 1]);
    tf.dispose([x, y, empty]);
  });

  it('says what was expected when given bad input', () => {
    const x = tf.zeros([2, 3, 3, 1]) as tf.Tensor4D;
    expect(() => warpAffine(x, [1, 0, 0, 0, 1, 0])).toThrow(/2 images need 12 matrix values .*got 6/);
    expect(() => warpAffine(x, [identity()])).toThrow(/2 images need 2 matrices, got 1/);
    expect(() => warpAffine(x, [identity(), [1, 0, Number.NaN, 0, 1, 0]])).toThrow(/finite.*NaN in matrix 1/);
    expect(() => warpAffine(tf.zeros([3, 3]) as unknown as tf.Tensor4D, [])).toThrow(DatasetError);
    expect(() => warpAffine(x, repeat(identity(), 2), { fill: Number.POSITIVE_INFINITY })).toThrow(/fill/);
    expect(() => warpAffine(x, repeat(identity(), 2), { imagesPerStep: 0 })).toThrow(
      /imagesPerStep must be a positive integer, got 0/,
    );
    x.dispose();
  });
});

describe('matrix helpers', () => {
  const close = (m: AffineMatrix, expected: readonly number[]) =>
    m.forEach((v, k) => {
      expect(v).toBeCloseTo(expected[k]!, 12);
    });

  it('compose applies its transforms first to last', () => {
    expect(compose(translation(3, 0), translation(0, 2))).toEqual(translation(3, 2));
    expect(compose(rotation(90, 5, 5), rotation(90, 5, 5))).toEqual(rotation(180, 5, 5));
    close(compose(scaling(2, 8, 6), scaling(0.5, 8, 6)), identity());
    close(compose(rotation(30, 8, 6), rotation(-30, 8, 6)), identity());
    // Flip then shift right: a point at x ends at (w − 1 − x) + 2, so out(x) reads in(w − 1 − (x − 2)).
    expect(compose(flip('horizontal', 10, 4), translation(2, 0))).toEqual([-1, 0, 11, 0, 1, 0]);
    expect(compose()).toEqual(identity());
  });

  it('rotations and scalings keep the image centre in place', () => {
    for (const m of [
      rotation(33, 10, 7),
      scaling([1.5, 0.6], 10, 7),
      compose(rotation(-71, 10, 7), scaling(2, 10, 7)),
    ]) {
      const [a, b, c, d, e, f] = m;
      expect(a * 4.5 + b * 3 + c).toBeCloseTo(4.5, 12);
      expect(d * 4.5 + e * 3 + f).toBeCloseTo(3, 12);
    }
  });

  it('rejects bad arguments', () => {
    expect(() => scaling(0, 4, 4)).toThrow(/positive/);
    expect(() => rotation(Number.NaN, 4, 4)).toThrow(/finite/);
    expect(() => flip('diagonal' as 'horizontal', 4, 4)).toThrow(/'horizontal' or 'vertical'/);
  });
});
