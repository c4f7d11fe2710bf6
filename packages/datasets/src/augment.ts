import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { DatasetError } from './errors';
import { type AffineMatrix, compose, flip, rotation, scaling, translation, warpAffine } from './warp';

/** What {@link Augmenter} does to each image; every transform is off unless given. */
export interface AugmentOptions {
  /** Seeds the generator all random parameters are drawn from: same seed, same batches, on every backend. */
  seed: number;
  /**
   * Random crop after zero padding (torchvision's `RandomCrop(size, padding)`): the same as shifting the
   * picture by whole pixels, independently in x and y, uniformly in [−padding, padding], filling with `fill`.
   */
  crop?: { padding: number };
  /** Mirror left–right with probability 0.5. */
  flip?: boolean;
  /** Largest shift as a fraction of width (x) and height (y), drawn uniformly, sub-pixel (bilinear). */
  translate?: number;
  /** Largest turn in degrees, drawn uniformly in [−rotate, rotate] (positive is anticlockwise). */
  rotate?: number;
  /** Zoom factor range `[min, max]`, drawn uniformly (above 1 enlarges). */
  scale?: readonly [number, number];
  /**
   * torchvision's ColorJitter factors, each drawn uniformly in [max(0, 1 − v), 1 + v] and applied in this
   * order (torchvision shuffles the order per call): brightness multiplies; contrast blends with the mean
   * grayscale of the image; saturation blends each pixel with its grayscale (3 channels only; 1-channel
   * images skip it). Each step clips to `range`. Grayscale is ITU-R 601: 0.299 R + 0.587 G + 0.114 B.
   */
  colorJitter?: { brightness?: number; contrast?: number; saturation?: number };
  /** The pixel value range colour jitter clips to: `[0, 1]` (the default) or `[0, 255]`. */
  range?: readonly [number, number];
  /** The value pixels moved in from outside take (default 0). */
  fill?: number;
  /** How geometric transforms resample: `'bilinear'` (the default) or `'nearest'`. */
  interpolation?: 'bilinear' | 'nearest';
}

/** ITU-R 601 luma weights; they sum to 1, so blends with grayscale keep grayscale. */
const LUMA = [0.299, 0.587, 0.114] as const;

/**
 * Random augmentation of NHWC batches on the active backend. Each image gets its own parameters, drawn in
 * JavaScript from an {@link Rng} seeded with `seed`, so a seed gives the same batches on cpu, wasm and
 * webgl; each `apply` draws fresh ones (the generator moves on). All geometric transforms of an image (flip,
 * scale, rotate, translate, crop, in that order) compose into one affine matrix and the batch is resampled
 * by one {@link warpAffine} call, so an image is interpolated once; whole-pixel shifts (crop) and flips
 * copy pixels exactly. Colour jitter follows. Shape in = shape out, float32.
 *
 * A class with a bound `apply` so it can be passed as a function (`dataset.map(aug.apply)`); augment the
 * training split only.
 *
 * @example
 * ```ts
 * const aug = new Augmenter({ seed: 1, crop: { padding: 4 }, flip: true, colorJitter: { brightness: 0.2 } });
 * for (const { xs, ys } of batches) {
 *   const augmented = aug.apply(xs);   // [b, 32, 32, 3] → [b, 32, 32, 3]
 *   …
 * }
 * ```
 */
export class Augmenter {
  readonly #options: AugmentOptions;
  readonly #rng: Rng;

  constructor(options: AugmentOptions) {
    this.#options = checkOptions(options);
    this.#rng = new Rng(options.seed);
  }

  /** Augments a `[batch, height, width, channels]` batch, each image with parameters of its own. */
  readonly apply = (images: tf.Tensor4D): tf.Tensor4D => {
    if (!(images instanceof tf.Tensor) || images.rank !== 4) {
      const got = images instanceof tf.Tensor ? `a rank-${images.rank} tensor` : typeof images;
      throw new DatasetError(
        `Augmenter.apply: expected a [batch, height, width, channels] tensor, got ${got}`,
      );
    }
    const [batch, height, width, channels] = images.shape;
    const o = this.#options;
    const jitter = o.colorJitter ?? {};
    if (
      (jitter.contrast !== undefined || jitter.saturation !== undefined) &&
      channels !== 1 &&
      channels !== 3
    ) {
      throw new DatasetError(
        `Augmenter: contrast and saturation need 1 or 3 channels (grayscale or RGB), got ${channels}`,
      );
    }
    const geometric =
      o.crop !== undefined ||
      o.flip === true ||
      o.translate !== undefined ||
      o.rotate !== undefined ||
      o.scale !== undefined;
    const saturate = jitter.saturation !== undefined && channels === 3;

    // Draw every parameter first, image after image, in a fixed order: the stream is the same on every backend.
    const matrices = new Float64Array(batch * 6);
    const brightness = new Float32Array(batch);
    const contrast = new Float32Array(batch);
    const saturation = new Float32Array(batch);
    const rng = this.#rng;
    const factor = (v: number) => rng.uniform(Math.max(0, 1 - v), 1 + v);
    for (let i = 0; i < batch; i++) {
      const steps: AffineMatrix[] = [];
      if (o.flip === true && rng.float() < 0.5) steps.push(flip('horizontal', width, height));
      if (o.scale !== undefined) steps.push(scaling(rng.uniform(o.scale[0], o.scale[1]), width, height));
      if (o.rotate !== undefined) steps.push(rotation(rng.uniform(-o.rotate, o.rotate), width, height));
      if (o.translate !== undefined) {
        const t = o.translate;
        steps.push(translation(rng.uniform(-t, t) * width, rng.uniform(-t, t) * height));
      }
      if (o.crop !== undefined) {
        const p = o.crop.padding;
        steps.push(translation(rng.int(2 * p + 1) - p, rng.int(2 * p + 1) - p));
      }
      matrices.set(compose(...steps), i * 6);
      if (jitter.brightness !== undefined) brightness[i] = factor(jitter.brightness);
      if (jitter.contrast !== undefined) contrast[i] = factor(jitter.contrast);
      if (saturate) saturation[i] = factor(jitter.saturation!);
    }

    return tf.tidy(() => {
      let x: tf.Tensor4D = tf.cast(images, 'float32');
      if (geometric) {
        x = warpAffine(x, matrices, { fill: o.fill ?? 0, interpolation: o.interpolation ?? 'bilinear' });
      }
      if (o.colorJitter === undefined) return x;
      return colourJitter(x, o.range ?? [0, 1], {
        ...(jitter.brightness !== undefined && { brightness }),
        ...(jitter.contrast !== undefined && { contrast }),
        ...(saturate && { saturation }),
      });
    });
  };
}

/**
 * Colour jitter with a factor per image for each step given, each step clipped to `[lo, hi]`. Per-image
 * factors go through batched matMuls over `[batch, 1, pixels]` rows rather than broadcasting a `[b, 1, 1, 1]`
 * tensor, which the cpu backend runs element by element.
 */
function colourJitter(
  x: tf.Tensor4D,
  [lo, hi]: readonly [number, number],
  factors: { brightness?: Float32Array; contrast?: Float32Array; saturation?: Float32Array },
): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const perImage = (f: Float32Array) => tf.tensor3d(f, [b, 1, 1]);
  const clip = (t: tf.Tensor3D) => tf.clipByValue(t, lo, hi);
  let y = tf.reshape(x, [b, 1, h * w * c]) as tf.Tensor3D;
  if (factors.brightness) y = clip(tf.matMul(perImage(factors.brightness), y));
  if (factors.contrast) {
    // f·x + (1 − f)·m, m the mean luma of the image.
    const luma = c === 1 ? y : tf.matMul(tf.reshape(y, [b * h * w, 3]), tf.tensor2d([...LUMA], [3, 1]));
    const mean = tf.reshape(tf.mean(tf.reshape(luma, [b, h * w]), 1), [b, 1, 1]);
    const f = perImage(factors.contrast);
    y = clip(tf.add(tf.matMul(f, y), tf.matMul(tf.mul(tf.sub(1, f), mean), tf.onesLike(y))));
  }
  if (factors.saturation) {
    // f·x + (1 − f)·luma(x) is, per image, x times the 3×3 matrix f·I + (1 − f)·[luma weights in each column].
    const mix = new Float32Array(b * 9);
    factors.saturation.forEach((f, i) => {
      for (let from = 0; from < 3; from++)
        for (let to = 0; to < 3; to++)
          mix[i * 9 + from * 3 + to] = (from === to ? f : 0) + (1 - f) * LUMA[from]!;
    });
    y = clip(tf.matMul(tf.reshape(y, [b, h * w, 3]), tf.tensor3d(mix, [b, 3, 3])));
  }
  return tf.reshape(y, [b, h, w, c]);
}

/** The options, checked: each must be a number in its range. */
function checkOptions(options: AugmentOptions): AugmentOptions {
  const fail = (what: string, got: unknown) => {
    throw new DatasetError(`Augmenter: ${what}, got ${JSON.stringify(got) ?? String(got)}`);
  };
  const nonNegative = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  if (options === null || typeof options !== 'object') fail('options must be an object', options);
  const {
    seed,
    crop,
    flip: mirror,
    translate,
    rotate,
    scale,
    colorJitter,
    range,
    fill,
    interpolation,
  } = options;
  if (!Number.isSafeInteger(seed)) fail('seed must be a safe integer', seed);
  if (crop !== undefined && !(Number.isInteger(crop?.padding) && crop.padding >= 0)) {
    fail('crop.padding must be a non-negative integer', crop?.padding);
  }
  if (mirror !== undefined && typeof mirror !== 'boolean') fail('flip must be true or false', mirror);
  if (translate !== undefined && !(nonNegative(translate) && translate <= 1)) {
    fail('translate must be a fraction of the image size in [0, 1]', translate);
  }
  if (rotate !== undefined && !nonNegative(rotate))
    fail('rotate must be a non-negative number of degrees', rotate);
  if (
    scale !== undefined &&
    !(
      Array.isArray(scale) &&
      scale.length === 2 &&
      scale[0] > 0 &&
      nonNegative(scale[1]) &&
      scale[0] <= scale[1]
    )
  ) {
    fail('scale must be [min, max] with 0 < min ≤ max', scale);
  }
  for (const key of ['brightness', 'contrast', 'saturation'] as const) {
    const v = colorJitter?.[key];
    if (v !== undefined && !nonNegative(v)) fail(`colorJitter.${key} must be a non-negative number`, v);
  }
  if (
    range !== undefined &&
    !(Array.isArray(range) && range.length === 2 && range.every(Number.isFinite) && range[0] < range[1])
  ) {
    fail('range must be [low, high] with low < high, e.g. [0, 1] or [0, 255]', range);
  }
  if (fill !== undefined && !Number.isFinite(fill)) fail('fill must be a finite number', fill);
  if (interpolation !== undefined && interpolation !== 'bilinear' && interpolation !== 'nearest') {
    fail("interpolation must be 'bilinear' or 'nearest'", interpolation);
  }
  // A copy, so later changes to the caller's objects cannot change the draws.
  return {
    ...options,
    ...(crop && { crop: { padding: crop.padding } }),
    ...(scale && { scale: [scale[0], scale[1]] as const }),
    ...(colorJitter && { colorJitter: { ...colorJitter } }),
    ...(range && { range: [range[0], range[1]] as const }),
  };
}
