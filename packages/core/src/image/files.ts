import type * as tf from '@tensorflow/tfjs-core';
import { platform } from '#platform';
import { ImageError } from '../errors';
import { type DecodeOptions, decodeImage, type EncodeOptions, encodePng } from './codec';

/**
 * Reads a PNG or JPEG file (Node) into a float32 NHWC tensor `[1, height, width, channels]` in [0, 1].
 *
 * @example
 * ```ts
 * const face = await readImage('faces/s1/1.png', { channels: 1 });
 * ```
 */
export async function readImage(path: string, options: DecodeOptions = {}): Promise<tf.Tensor4D> {
  return decodeImage(await platform.readFile(path), options);
}

/**
 * Writes one image tensor as a PNG file (Node), atomically: a crash leaves the old file or the new one,
 * never half of it. See `encodePng` for the shapes and value ranges taken.
 */
export async function writeImage(path: string, image: tf.Tensor, options: EncodeOptions = {}): Promise<void> {
  if (!/\.png$/i.test(path))
    throw new ImageError(`writeImage writes PNG files; '${path}' does not end in .png`);
  await platform.writeFile(path, await encodePng(image, options));
}
