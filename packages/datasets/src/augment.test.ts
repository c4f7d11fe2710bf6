import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Augmenter, type AugmentOptions } from './augment';
import { DatasetError } from './errors';

type Shape = [number, number, number, number];

function randomImages(shape: Shape, seed: number, lo = 0.1, hi = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(lo, hi));
}

/** Augments plain pixels once, checking shape, dtype and that no tensor is left behind. */
async function augment(aug: Augmenter, pixels: Float32Array, shape: Shape): Promise<Float32Array> {
  const x = tf.tensor4d(pixels, shape);
  const y = await expectNoLeaks(() => aug.apply(x), 'Augmenter.apply');
  expect(y.shape).toEqual(shape);
  expect(y.dtype).toBe('float32');
  const out = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  return out;
}

/** Image `i` of a batch, as its own array. */
function image(p: Float32Array, [, h, w, c]: Shape, i: number): Float32Array {
  return p.slice(i * h * w * c, (i + 1) * h * w * c);
}

/** One h×w×c image moved by whole pixels (dx right, dy down), optionally mirrored first; zeros come in. */
function shifted(p: Float32Array, h: number, w: number, c: number, dx: number, dy: number, mirror = false) {
  const out = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const sx = x - dx;
      const sy = y - dy;
      if (sx < 0 || sx >= w || sy < 0 || sy >= h) continue;
      const from = mirror ? w - 1 - sx : sx;
      for (let ch = 0; ch < c; ch++) out[(y * w + x) * c + ch] = p[(sy * w + from) * c + ch]!;
    }
  return out;
}

const equal = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.prototype.every.call(a, (v: number, k: number) => v === b[k]);

/** The whole-pixel shift (and mirroring) that turns `input` into `output` exactly, if one in range does. */
function findShift(
  input: Float32Array,
  output: Float32Array,
  h: number,
  w: number,
  c: number,
  range: number,
) {
  for (const mirror of [false, true])
    for (let dy = -range; dy <= range; dy++)
      for (let dx = -range; dx <= range; dx++) {
        if (equal(shifted(input, h, w, c, dx, dy, mirror), output)) return { dx, dy, mirror };
      }
  return undefined;
}

/** 0.299 R + 0.587 G + 0.114 B of each pixel of one image (a 1-channel image is its own). */
function luma(p: Float32Array, c: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < p.length; k += c)
    out.push(c === 1 ? p[k]! : 0.299 * p[k]! + 0.587 * p[k + 1]! + 0.114 * p[k + 2]!);
  return out;
}
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** The largest |actual[k] − expected(k)|: one assertion per image instead of one per pixel. */
function maxError(actual: ArrayLike<number>, expected: (k: number) => number): number {
  let worst = 0;
  for (let k = 0; k < actual.length; k++) worst = Math.max(worst, Math.abs(actual[k]! - expected(k)));
  return worst;
}

/** The least-squares factor f in after − centre ≈ f · (before − centre), over all values. */
function slope(before: Float32Array, after: Float32Array, centre: (k: number) => number): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < before.length; k++) {
    num += (after[k]! - centre(k)) * (before[k]! - centre(k));
    den += (before[k]! - centre(k)) ** 2;
  }
  return num / den;
}

const EVERYTHING: Omit<AugmentOptions, 'seed'> = {
  crop: { padding: 2 },
  flip: true,
  translate: 0.1,
  rotate: 15,
  scale: [0.9, 1.1],
  colorJitter: { brightness: 0.3, contrast: 0.3, saturation: 0.3 },
};

describe('Augmenter', () => {
  const shape: Shape = [4, 32, 32, 3];
  const pixels = randomImages(shape, 1);

  it('gives the same batches for the same seed, others for another seed, new ones on each call', async () => {
    const a = new Augmenter({ seed: 7, ...EVERYTHING });
    const b = new Augmenter({ seed: 7, ...EVERYTHING });
    const c = new Augmenter({ seed: 8, ...EVERYTHING });
    const first = await augment(a, pixels, shape);
    expect(await augment(b, pixels, shape)).toEqual(first);
    expect(await augment(c, pixels, shape)).not.toEqual(first);
    const second = await augment(a, pixels, shape);
    expect(second).not.toEqual(first);
    expect(await augment(b, pixels, shape)).toEqual(second);
    expect(first).not.toEqual(pixels);
  });

  it('crops with padding: an exact whole-pixel shift in range, zeros brought in', async () => {
    const s: Shape = [8, 28, 28, 1];
    const p = randomImages(s, 2);
    const out = await augment(new Augmenter({ seed: 3, crop: { padding: 4 } }), p, s);
    const inputValues = new Set(p);
    expect(out.every((v) => v === 0 || inputValues.has(v))).toBe(true);
    const shifts = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const found = findShift(image(p, s, i), image(out, s, i), 28, 28, 1, 4);
      expect(found, `image ${i}`).toMatchObject({ mirror: false });
      shifts.add(`${found!.dx},${found!.dy}`);
    }
    expect(shifts.size).toBeGreaterThan(1);
  });

  it('flips: each image is itself or its mirror, and both happen', async () => {
    const s: Shape = [8, 28, 28, 1];
    const p = randomImages(s, 4);
    const out = await augment(new Augmenter({ seed: 5, flip: true }), p, s);
    const mirrored = [];
    for (let i = 0; i < 8; i++) {
      const found = findShift(image(p, s, i), image(out, s, i), 28, 28, 1, 0);
      expect(found, `image ${i}`).toBeDefined();
      mirrored.push(found!.mirror);
    }
    expect(mirrored).toContain(true);
    expect(mirrored).toContain(false);
  });

  it('crops and flips in one exact resampling', async () => {
    const s: Shape = [4, 12, 10, 3];
    const p = randomImages(s, 6);
    const out = await augment(new Augmenter({ seed: 9, crop: { padding: 3 }, flip: true }), p, s);
    for (let i = 0; i < 4; i++)
      expect(findShift(image(p, s, i), image(out, s, i), 12, 10, 3, 3)).toBeDefined();
  });

  /** Two ramps, channel 0 = x and channel 1 = y: bilinear sampling reads back the source coordinates. */
  const ramps = (s: Shape) =>
    Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, (_, k) => {
      const pixel = Math.floor(k / 2) % (s[1] * s[2]);
      return k % 2 === 0 ? pixel % s[2] : Math.floor(pixel / s[2]);
    });

  it('translates by sub-pixel amounts up to the given fraction', async () => {
    const s: Shape = [6, 24, 32, 2];
    const out = await augment(new Augmenter({ seed: 11, translate: 0.1 }), ramps(s), s);
    let fractional = 0;
    for (let i = 0; i < 6; i++) {
      const img = image(out, s, i);
      // The shift d: output pixel p reads the ramp at p − d.
      const dx = 16 - img[(12 * 32 + 16) * 2]!;
      const dy = 12 - img[(12 * 32 + 16) * 2 + 1]!;
      expect(Math.abs(dx)).toBeLessThanOrEqual(0.1 * 32 + 1e-4);
      expect(Math.abs(dy)).toBeLessThanOrEqual(0.1 * 24 + 1e-4);
      if (Math.abs(dx - Math.round(dx)) > 0.01) fractional++;
      let worst = 0;
      for (let y = 5; y < 19; y++)
        for (let x = 5; x < 27; x++) {
          worst = Math.max(worst, Math.abs(img[(y * 32 + x) * 2]! - (x - dx)));
          worst = Math.max(worst, Math.abs(img[(y * 32 + x) * 2 + 1]! - (y - dy)));
        }
      expect(worst).toBeLessThan(1e-4);
    }
    expect(fractional).toBeGreaterThan(0);
  });

  it('rotates and scales about the centre within the ranges given', async () => {
    const s: Shape = [6, 31, 31, 2];
    const out = await augment(new Augmenter({ seed: 12, rotate: 30, scale: [0.8, 1.25] }), ramps(s), s);
    const angles: number[] = [];
    for (let i = 0; i < 6; i++) {
      const img = image(out, s, i);
      const read = (x: number, y: number, ch: number) => img[(y * 31 + x) * 2 + ch]!;
      // The sampling matrix from finite differences of the ramps: [a b; d e] = R(−θ)/scale.
      const a = (read(22, 15, 0) - read(8, 15, 0)) / 14;
      const b = (read(15, 22, 0) - read(15, 8, 0)) / 14;
      const d = (read(22, 15, 1) - read(8, 15, 1)) / 14;
      const e = (read(15, 22, 1) - read(15, 8, 1)) / 14;
      expect(b).toBeCloseTo(-d, 4);
      expect(e).toBeCloseTo(a, 4);
      const theta = (Math.atan2(d, a) * 180) / Math.PI;
      const zoom = 1 / Math.hypot(a, d);
      expect(Math.abs(theta)).toBeLessThanOrEqual(30);
      expect(zoom).toBeGreaterThanOrEqual(0.8 - 1e-4);
      expect(zoom).toBeLessThanOrEqual(1.25 + 1e-4);
      angles.push(theta);
      // Centre fixed, and the whole middle follows the closed form.
      let worst = 0;
      for (let y = 8; y <= 22; y++)
        for (let x = 8; x <= 22; x++) {
          worst = Math.max(worst, Math.abs(read(x, y, 0) - (15 + a * (x - 15) + b * (y - 15))));
          worst = Math.max(worst, Math.abs(read(x, y, 1) - (15 + d * (x - 15) + e * (y - 15))));
        }
      expect(worst).toBeLessThan(1e-3);
    }
    expect(new Set(angles.map((t) => t.toFixed(3))).size).toBe(6);
  });

  it('brightness multiplies each image by one factor in [1 − v, 1 + v], clipped to the range', async () => {
    const p = randomImages(shape, 13, 0.2, 0.6);
    const out = await augment(new Augmenter({ seed: 14, colorJitter: { brightness: 0.5 } }), p, shape);
    const factors = [];
    for (let i = 0; i < 4; i++) {
      const before = image(p, shape, i);
      const after = image(out, shape, i);
      const ratio = mean([...after]) / mean([...before]);
      expect(ratio).toBeGreaterThanOrEqual(0.5);
      expect(ratio).toBeLessThanOrEqual(1.5);
      expect(maxError(after, (k) => ratio * before[k]!)).toBeLessThan(1e-6);
      factors.push(ratio);
    }
    expect(new Set(factors).size).toBe(4);

    // Bytes brightened by up to ×1.9 saturate at 255.
    const bytes = randomImages(shape, 15, 100, 255).map(Math.round);
    const lit = await augment(
      new Augmenter({ seed: 16, colorJitter: { brightness: 0.9 }, range: [0, 255] }),
      bytes,
      shape,
    );
    for (let i = 0; i < 4; i++) {
      const before = image(bytes, shape, i);
      const after = image(lit, shape, i);
      const darkest = before.indexOf(Math.min(...before));
      const f = after[darkest]! / before[darkest]!;
      expect(maxError(after, (k) => Math.min(255, f * before[k]!))).toBeLessThan(1e-3);
    }
    expect(Math.max(...lit)).toBe(255);
  });

  it('contrast scales deviations from the mean grayscale and keeps that mean', async () => {
    for (const c of [1, 3]) {
      const s: Shape = [4, 16, 16, c];
      const p = randomImages(s, 17, 0.4, 0.6);
      const out = await augment(new Augmenter({ seed: 18, colorJitter: { contrast: 0.5 } }), p, s);
      for (let i = 0; i < 4; i++) {
        const before = image(p, s, i);
        const after = image(out, s, i);
        const m = mean(luma(before, c));
        expect(mean(luma(after, c))).toBeCloseTo(m, 5);
        const f = slope(before, after, () => m);
        expect(f).toBeGreaterThanOrEqual(0.5 - 1e-3);
        expect(f).toBeLessThanOrEqual(1.5 + 1e-3);
        expect(maxError(after, (k) => m + f * (before[k]! - m))).toBeLessThan(1e-6);
      }
    }
  });

  it('saturation blends each pixel with its grayscale, and skips 1-channel images', async () => {
    const p = randomImages(shape, 19, 0.3, 0.7);
    const out = await augment(new Augmenter({ seed: 20, colorJitter: { saturation: 0.4 } }), p, shape);
    for (let i = 0; i < 4; i++) {
      const before = image(p, shape, i);
      const after = image(out, shape, i);
      const g = luma(before, 3);
      expect(maxError(luma(after, 3), (k) => g[k]!)).toBeLessThan(1e-6);
      const f = slope(before, after, (k) => g[Math.floor(k / 3)]!);
      expect(f).toBeGreaterThanOrEqual(0.6 - 1e-3);
      expect(f).toBeLessThanOrEqual(1.4 + 1e-3);
      const gray = (k: number) => g[Math.floor(k / 3)]!;
      expect(maxError(after, (k) => gray(k) + f * (before[k]! - gray(k)))).toBeLessThan(1e-6);
    }
    const s: Shape = [2, 8, 8, 1];
    const gray = randomImages(s, 21);
    expect(await augment(new Augmenter({ seed: 22, colorJitter: { saturation: 0.9 } }), gray, s)).toEqual(
      gray,
    );
  });

  it('passes a batch through unchanged with no transforms, and accepts int32 pixels', async () => {
    expect(await augment(new Augmenter({ seed: 1 }), pixels, shape)).toEqual(pixels);
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1], 'int32');
    const y = new Augmenter({ seed: 1, colorJitter: { brightness: 0.1 }, range: [0, 255] }).apply(x);
    expect(y.dtype).toBe('float32');
    tf.dispose([x, y]);
  });

  it('rejects options it cannot honour, saying what came', () => {
    const bad: [Partial<AugmentOptions>, RegExp][] = [
      [{ seed: 1.5 }, /seed must be a safe integer, got 1.5/],
      [{ crop: { padding: -1 } }, /crop.padding must be a non-negative integer, got -1/],
      [{ translate: 2 }, /translate .* \[0, 1\], got 2/],
      [{ rotate: Number.NaN }, /rotate must be/],
      [{ scale: [1.2, 0.8] }, /scale must be \[min, max\].*got \[1.2,0.8\]/],
      [{ colorJitter: { contrast: -0.1 } }, /colorJitter.contrast .* got -0.1/],
      [{ range: [1, 0] }, /range must be \[low, high\]/],
      [{ interpolation: 'cubic' as 'nearest' }, /interpolation must be 'bilinear' or 'nearest', got "cubic"/],
    ];
    for (const [options, message] of bad) {
      expect(() => new Augmenter({ seed: 1, ...options } as AugmentOptions)).toThrow(message);
    }
    const rgba = tf.zeros([1, 2, 2, 4]) as tf.Tensor4D;
    const aug = new Augmenter({ seed: 1, colorJitter: { contrast: 0.2 } });
    expect(() => aug.apply(rgba)).toThrow(/1 or 3 channels .*got 4/);
    const flat = tf.zeros([2, 2]) as unknown as tf.Tensor4D;
    expect(() => aug.apply(flat)).toThrow(DatasetError);
    tf.dispose([rgba, flat]);
  });
});
