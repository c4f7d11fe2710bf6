import * as tf from '@tensorflow/tfjs-core';
import { DatasetError } from './errors';
import type { ImageSet } from './image_set';

/** Per-channel mean and (population) standard deviation of a set of images. */
export interface ChannelStats {
  readonly mean: number[];
  readonly std: number[];
}

/** Options of {@link channelStats} and {@link normalize}. */
export interface ScaleOptions {
  /** A factor applied to the pixels first, e.g. `1 / 255` to work on bytes as [0, 1]. Default 1. */
  scale?: number;
}

/**
 * The mean and standard deviation of each channel over every pixel of every image (population statistics,
 * dividing by the count), in float64 with Welford's update: exact to ~1e-12 even when the values sit far
 * from zero (1e4 + noise), where E[x²] − E[x]² loses everything in float32. Compute them from the
 * training split only, then {@link normalize} every split with them, so no test data leaks into training.
 *
 * Takes an {@link ImageSet} or pixels with their `[n, height, width, channels]` shape (NHWC).
 *
 * @example
 * ```ts
 * const stats = channelStats(train, { scale: 1 / 255 });   // CIFAR-10: mean ≈ [0.491, 0.482, 0.447]
 * const xs = normalize(batch, stats, { scale: 1 / 255 });
 * ```
 */
export function channelStats(set: ImageSet, options?: ScaleOptions): ChannelStats;
export function channelStats(
  images: ArrayLike<number>,
  shape: readonly [number, number, number, number],
  options?: ScaleOptions,
): ChannelStats;
export function channelStats(
  first: ImageSet | ArrayLike<number>,
  second?: readonly [number, number, number, number] | ScaleOptions,
  third?: ScaleOptions,
): ChannelStats {
  if (first === null || typeof first !== 'object') {
    throw new DatasetError(`channelStats: expected an ImageSet or an array of pixels, got ${String(first)}`);
  }
  const isSet = !Array.isArray(second) && 'images' in first && 'shape' in first;
  const images = isSet ? (first as ImageSet).images : (first as ArrayLike<number>);
  const shape = isSet ? (first as ImageSet).shape : (second as readonly number[] | undefined);
  const options = (isSet ? second : third) as ScaleOptions | undefined;
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new DatasetError(
      `channelStats: expected an ImageSet, or pixels and their [n, height, width, channels] shape, got shape ${JSON.stringify(shape)}`,
    );
  }
  const [n, h, w, c] = shape as [number, number, number, number];
  if (images.length !== n * h * w * c) {
    throw new DatasetError(
      `channelStats: ${n}×${h}×${w}×${c} images need ${n * h * w * c} values, got ${images.length}`,
    );
  }
  if (n * h * w === 0 || c === 0) {
    throw new DatasetError(`channelStats: no pixels to measure (shape [${shape.join(', ')}])`);
  }
  const scale = checkScale('channelStats', options);

  const mean = new Float64Array(c);
  const m2 = new Float64Array(c);
  const pixels = n * h * w;
  // Welford: running mean and sum of squared deviations, one update per value; no large sums to cancel.
  for (let p = 0, k = 0; p < pixels; p++) {
    const inv = 1 / (p + 1);
    for (let ch = 0; ch < c; ch++, k++) {
      const x = images[k]!;
      const before = mean[ch]!;
      const after = before + (x - before) * inv;
      mean[ch] = after;
      m2[ch] = m2[ch]! + (x - before) * (x - after);
    }
  }
  for (let ch = 0; ch < c; ch++) {
    if (!Number.isFinite(mean[ch]!) || !Number.isFinite(m2[ch]!)) {
      throw new DatasetError(`channelStats: channel ${ch} holds values that are not finite numbers`);
    }
  }
  return {
    mean: Array.from(mean, (m) => m * scale),
    std: Array.from(m2, (s) => Math.sqrt(s / pixels) * Math.abs(scale)),
  };
}

/**
 * `(x · scale − mean) / std`, channel by channel, on the active backend; float32 out. `stats` must have one
 * mean and one positive std per channel (from {@link channelStats} on the training split).
 *
 * @example
 * ```ts
 * const xs = normalize(bytes, { mean: [0.1307], std: [0.3081] }, { scale: 1 / 255 });   // MNIST
 * ```
 */
export function normalize(x: tf.Tensor4D, stats: ChannelStats, options?: ScaleOptions): tf.Tensor4D {
  if (!(x instanceof tf.Tensor) || x.rank !== 4) {
    const got = x instanceof tf.Tensor ? `a rank-${x.rank} tensor` : typeof x;
    throw new DatasetError(`normalize: expected a [batch, height, width, channels] tensor, got ${got}`);
  }
  const channels = x.shape[3];
  const { mean, std } = stats ?? {};
  if (!Array.isArray(mean) || !Array.isArray(std)) {
    throw new DatasetError('normalize: stats must be { mean: number[], std: number[] }');
  }
  if (mean.length !== channels || std.length !== channels) {
    throw new DatasetError(
      `normalize: the images have ${channels} channel(s) but stats have ${mean.length} mean(s) and ` +
        `${std.length} std(s)`,
    );
  }
  mean.forEach((m, ch) => {
    if (!Number.isFinite(m))
      throw new DatasetError(`normalize: mean of channel ${ch} must be finite, got ${m}`);
  });
  std.forEach((s, ch) => {
    if (!(s > 0 && Number.isFinite(s))) {
      throw new DatasetError(`normalize: std of channel ${ch} must be a positive number, got ${s}`);
    }
  });
  const scale = checkScale('normalize', options);
  // One multiply-add per value: x · (scale / std) − mean / std, both folded in float64.
  const gain = std.map((s) => scale / s);
  const shift = mean.map((m, ch) => -m / std[ch]!);
  return tf.tidy(() =>
    tf.add(tf.mul(tf.cast(x, 'float32'), tf.tensor1d(gain)), tf.tensor1d(shift)),
  ) as tf.Tensor4D;
}

/**
 * Labels as one-hot float32 rows, `[n, numClasses]`: `tf.oneHot` after checking every label is a class
 * index. A tensor is read back to check it (a sync read), so pass an `Int32Array` when you have one.
 *
 * @example
 * ```ts
 * oneHot(Int32Array.of(2, 0), 3);   // [[0, 0, 1], [1, 0, 0]]
 * ```
 */
export function oneHot(labels: tf.Tensor1D | ArrayLike<number>, numClasses: number): tf.Tensor2D {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new DatasetError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  }
  if (labels instanceof tf.Tensor && labels.rank !== 1) {
    throw new DatasetError(`oneHot: labels must be a 1-D tensor, got rank ${labels.rank}`);
  }
  const values = labels instanceof tf.Tensor ? labels.dataSync() : labels;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new DatasetError(`oneHot: label ${v} at index ${i} is not a class index in [0, ${numClasses})`);
    }
  }
  return tf.tidy(() => {
    const indices =
      labels instanceof tf.Tensor ? tf.cast(labels, 'int32') : tf.tensor1d(Int32Array.from(values), 'int32');
    // Cast afterwards: wasm's OneHot ignores a float32 dtype and writes int32 bits (1 reads as 1.4e-45).
    return tf.cast(tf.oneHot(indices, numClasses), 'float32') as tf.Tensor2D;
  });
}

function checkScale(fn: string, options: ScaleOptions | undefined): number {
  const scale = options?.scale ?? 1;
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale === 0) {
    throw new DatasetError(`${fn}: scale must be a finite non-zero number, got ${String(scale)}`);
  }
  return scale;
}
