import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { PcaError } from './errors';

/**
 * Grayscale patches that are not faces — the negatives of face detection and the backgrounds faces are
 * pasted into: smoothed noise, ramps, stripes, checkers, blobs and fractal ("1/f", natural-looking)
 * textures, each with its own contrast and brightness.
 */

/**
 * The kinds of texture {@link nonFacePatches} draws, in turn.
 *
 * @example
 * ```ts
 * const stripes = nonFacePatches({ count: 10, kinds: ['stripes', 'checkers'] });   // some of TEXTURES
 * ```
 */
export const TEXTURES = ['noise', 'gradient', 'stripes', 'checkers', 'blobs', 'fractal'] as const;

/** One texture kind. */
export type Texture = (typeof TEXTURES)[number];

/** Value noise: a random grid of `cells` per side, bilinearly interpolated, with a smooth fade. */
function valueNoise(
  rng: Rng,
  h: number,
  w: number,
  cells: number,
  out: Float32Array,
  amplitude: number,
): void {
  const gh = Math.ceil((h / Math.max(h, w)) * cells) + 2;
  const gw = Math.ceil((w / Math.max(h, w)) * cells) + 2;
  const grid = Float32Array.from({ length: gh * gw }, () => rng.uniform(-1, 1));
  const step = Math.max(h, w) / cells;
  const fade = (t: number) => t * t * (3 - 2 * t);
  for (let r = 0; r < h; r++) {
    const gy = r / step;
    const y0 = Math.floor(gy);
    const ty = fade(gy - y0);
    for (let c = 0; c < w; c++) {
      const gx = c / step;
      const x0 = Math.floor(gx);
      const tx = fade(gx - x0);
      const at = (y: number, x: number) => grid[y * gw + x]!;
      const top = at(y0, x0) * (1 - tx) + at(y0, x0 + 1) * tx;
      const bottom = at(y0 + 1, x0) * (1 - tx) + at(y0 + 1, x0 + 1) * tx;
      out[r * w + c]! += amplitude * (top * (1 - ty) + bottom * ty);
    }
  }
}

/** Fills `out` ([h, w], row-major) with one texture of `kind`, values about [−1, 1]. */
function texture(kind: Texture, rng: Rng, h: number, w: number, out: Float32Array): void {
  const size = Math.max(h, w);
  const angle = rng.uniform(0, Math.PI);
  const [ca, sa] = [Math.cos(angle), Math.sin(angle)];
  switch (kind) {
    case 'noise':
      valueNoise(rng, h, w, Math.round(rng.uniform(size / 6, size / 1.5)), out, 1);
      break;
    case 'fractal':
      // Octaves of value noise with amplitudes falling as 1/frequency: the spectrum of natural images.
      for (let cells = 2, a = 1; cells <= size; cells *= 2, a /= 2) valueNoise(rng, h, w, cells, out, a);
      break;
    case 'gradient': {
      const bend = rng.uniform(-1, 1);
      for (let r = 0; r < h; r++) {
        for (let c = 0; c < w; c++) {
          const t = ((c - w / 2) * ca + (r - h / 2) * sa) / size;
          out[r * w + c] = 2 * t + bend * t * t;
        }
      }
      break;
    }
    case 'stripes':
    case 'checkers': {
      const period = rng.uniform(3, size / 2);
      const phase = rng.uniform(0, 2 * Math.PI);
      for (let r = 0; r < h; r++) {
        for (let c = 0; c < w; c++) {
          const u = (2 * Math.PI * (c * ca + r * sa)) / period + phase;
          const v = (2 * Math.PI * (-c * sa + r * ca)) / period;
          out[r * w + c] = kind === 'stripes' ? Math.sin(u) : Math.sign(Math.sin(u) * Math.sin(v));
        }
      }
      break;
    }
    case 'blobs': {
      const count = 2 + rng.int(6);
      for (let b = 0; b < count; b++) {
        const [cx, cy] = [rng.uniform(0, w), rng.uniform(0, h)];
        const [rx, ry] = [rng.uniform(size / 10, size / 2.5), rng.uniform(size / 10, size / 2.5)];
        const level = rng.uniform(-1, 1);
        for (let r = 0; r < h; r++) {
          for (let c = 0; c < w; c++) {
            if (((c - cx) / rx) ** 2 + ((r - cy) / ry) ** 2 < 1) out[r * w + c] = level;
          }
        }
      }
      break;
    }
  }
}

/** Options of {@link nonFacePatches}. */
export interface NonFacePatchesOptions {
  /** Patches (default 100). */
  count?: number;
  /** Side of square patches, or [height, width] (default 24). */
  size?: number | readonly [number, number];
  /** Same seed, same patches (default 0). */
  seed?: number;
  /** Kinds to draw, in turn (default all of {@link TEXTURES}). */
  kinds?: readonly Texture[];
}

/**
 * Textured grayscale patches that are not faces, [count, h, w, 1] in [0, 1], seeded: the negatives of
 * face detection and backgrounds for scenes. Each has its own kind (in turn through `kinds`), contrast,
 * brightness and a little pixel noise. The caller disposes the tensor.
 *
 * @example
 * ```ts
 * const negatives = nonFacePatches({ count: 60, size: 24, seed: 2 });
 * const d = model.distanceFromFaceSpace(negatives);   // large: these are not faces
 * ```
 */
export function nonFacePatches(options: NonFacePatchesOptions = {}): tf.Tensor4D {
  const { count = 100, size = 24, seed = 0, kinds = TEXTURES } = options;
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  for (const [name, v] of [
    ['count', count],
    ['height', h],
    ['width', w],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new PcaError(`nonFacePatches: ${name} must be a positive integer, got ${String(v)}`);
    }
  }
  if (kinds.length === 0 || kinds.some((k) => !TEXTURES.includes(k))) {
    throw new PcaError(
      `nonFacePatches: kinds must be some of ${TEXTURES.join(', ')}, got [${kinds.join(', ')}]`,
    );
  }
  const rng = new Rng(seed * 17 + 3);
  const pixels = new Float32Array(count * h * w);
  const one = new Float32Array(h * w);
  for (let i = 0; i < count; i++) {
    one.fill(0);
    texture(kinds[i % kinds.length]!, rng, h, w, one);
    const contrast = rng.uniform(0.08, 0.4);
    const level = rng.uniform(0.25, 0.75);
    for (let j = 0; j < h * w; j++) {
      const v = level + contrast * one[j]! + 0.02 * rng.normal();
      pixels[i * h * w + j] = Math.min(1, Math.max(0, v));
    }
  }
  return tf.tensor4d(pixels, [count, h, w, 1]);
}
