import * as tf from '@tensorflow/tfjs-core';

/**
 * Below this standard deviation an image (or window) counts as flat: it is divided by this instead, so a
 * blank patch normalises to zeros rather than to amplified noise or NaN. In the units of the pixels
 * ([0, 1] images: a thousandth of the range).
 *
 * @example
 * ```ts
 * const flat = tf.fill([1, 576], 0.5);
 * normalizeContrast(flat).scale.print();   // [[0.001]]: MIN_STD, and the normalised row is all zeros
 * ```
 */
export const MIN_STD = 1e-3;

/** Images normalised for contrast, and what undoes it. */
export interface Normalized {
  /** (x − mean) / max(std, MIN_STD) per row, [n, d]. */
  x: tf.Tensor2D;
  /** Each row's mean, [n, 1]. */
  mean: tf.Tensor2D;
  /** Each row's divisor max(std, MIN_STD), [n, 1]. */
  scale: tf.Tensor2D;
}

/**
 * Per-image contrast normalisation, as Turk and Pentland normalise faces before eigenfaces: each row of
 * `x` [n, d] to zero mean and unit standard deviation (‖row‖² = d), so brightness and contrast changes do
 * not move an image in face space. `locate` uses the same definition window by window. The caller
 * disposes the three tensors.
 *
 * @example
 * ```ts
 * const { x: normalised, mean, scale } = normalizeContrast(tf.reshape(images, [n, h * w]));
 * ```
 */
export function normalizeContrast(x: tf.Tensor2D): Normalized {
  return tf.tidy(() => {
    const mean = tf.mean(x, 1, true) as tf.Tensor2D;
    const centred = tf.sub(x, mean);
    const std = tf.sqrt(tf.mean(tf.square(centred), 1, true));
    const scale = tf.maximum(std, MIN_STD) as tf.Tensor2D;
    return { x: tf.div(centred, scale) as tf.Tensor2D, mean, scale };
  });
}
