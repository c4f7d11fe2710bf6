import * as tf from '@tensorflow/tfjs-core';
import { PreprocessError } from './errors';

/**
 * How a family's weights expect their input, as keras.applications' `preprocess_input` modes:
 * - `caffe` (Keras VGG16/19, ResNet50 from Caffe): RGB → BGR, ImageNet's BGR mean
 *   [103.939, 116.779, 123.68] subtracted, values left in 0…255;
 * - `torch` (torchvision, timm): x/255, minus mean [0.485, 0.456, 0.406], over std [0.229, 0.224, 0.225];
 * - `tf` (Keras MobileNet, Inception, Xception): x/127.5 − 1, into [−1, 1].
 */
export type PreprocessMode = 'caffe' | 'torch' | 'tf';

/**
 * ImageNet's mean pixel in BGR order, as Caffe's VGG and Keras subtract it.
 *
 * @example
 * ```ts
 * CAFFE_MEAN_BGR[2]; // 123.68, the red mean
 * ```
 */
export const CAFFE_MEAN_BGR = [103.939, 116.779, 123.68] as const;
/**
 * ImageNet's per-channel mean (RGB, values in [0, 1]), as torchvision normalises.
 *
 * @example
 * ```ts
 * const red = (r / 255 - TORCH_MEAN[0]) / TORCH_STD[0];
 * ```
 */
export const TORCH_MEAN = [0.485, 0.456, 0.406] as const;
/**
 * ImageNet's per-channel standard deviation (RGB, values in [0, 1]), as torchvision normalises.
 *
 * @example
 * ```ts
 * const red = (r / 255 - TORCH_MEAN[0]) / TORCH_STD[0];
 * ```
 */
export const TORCH_STD = [0.229, 0.224, 0.225] as const;

/**
 * Preprocesses NHWC RGB images for a weight family (see {@link PreprocessMode}). Images are in 0…255 as
 * Keras takes them, or pass `inputMax: 1` for images in [0, 1] (as `@cnn/core`'s `readImage` gives).
 * Returns a new tensor; the input is left alone.
 *
 * @example
 * ```ts
 * const x = preprocessInput(await readImage('cat.png'), 'caffe', { inputMax: 1 });
 * ```
 */
export function preprocessInput(
  images: tf.Tensor,
  mode: PreprocessMode,
  options: { inputMax?: number } = {},
): tf.Tensor {
  const inputMax = options.inputMax ?? 255;
  if (!(inputMax > 0 && Number.isFinite(inputMax))) {
    throw new PreprocessError(`inputMax must be a positive number, got ${inputMax}`);
  }
  const channels = images.shape[images.rank - 1];
  if (mode !== 'tf' && (images.rank < 3 || channels !== 3)) {
    throw new PreprocessError(
      `${mode} preprocessing takes RGB images [..., height, width, 3], got shape [${images.shape.join(', ')}]`,
    );
  }
  return tf.tidy(() => {
    const x = tf.cast(images, 'float32');
    if (mode === 'tf') return tf.sub(tf.div(x, inputMax / 2), 1);
    if (mode === 'torch') return tf.div(tf.sub(tf.div(x, inputMax), TORCH_MEAN), TORCH_STD);
    if (mode === 'caffe') return tf.sub(tf.reverse(tf.mul(x, 255 / inputMax), -1), CAFFE_MEAN_BGR);
    throw new PreprocessError(`mode must be 'caffe', 'torch' or 'tf', got ${JSON.stringify(mode)}`);
  });
}
