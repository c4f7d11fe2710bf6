import * as tf from '@tensorflow/tfjs-core';
import { ImageError } from '../errors';
import { type Channels, type DecodeOptions, type EncodeOptions, toBytes } from './codec';

/** Anything a browser can draw that `fromPixels` reads. */
export type PixelSource =
  | ImageData
  | HTMLImageElement
  | HTMLCanvasElement
  | HTMLVideoElement
  | ImageBitmap
  | OffscreenCanvas;

/**
 * Reads the pixels of an image, canvas, video frame, bitmap or `ImageData` (browser) into a float32 NHWC
 * tensor `[1, height, width, channels]` in [0, 1]. Default 3 channels (RGB); 1 gives BT.601 luminance.
 * An `<img>` must have loaded. The caller disposes the tensor.
 *
 * @example
 * ```ts
 * const x = fromPixels(document.querySelector('canvas')!, { channels: 1 });
 * ```
 */
export function fromPixels(source: PixelSource, options: DecodeOptions = {}): tf.Tensor4D {
  const channels: Channels = options.channels ?? 3;
  const readable = isOffscreenCanvas(source) ? imageDataOf(source) : source;
  return tf.tidy(() => {
    const rgba = tf.div(tf.cast(tf.browser.fromPixels(readable, 4), 'float32'), 255) as tf.Tensor3D;
    const picked =
      channels === 4
        ? rgba
        : channels === 3
          ? tf.slice(rgba, [0, 0, 0], [-1, -1, 3])
          : tf.sum(
              tf.mul(tf.slice(rgba, [0, 0, 0], [-1, -1, 3]), tf.tensor1d([0.299, 0.587, 0.114])),
              -1,
              true,
            );
    return tf.expandDims(picked, 0) as tf.Tensor4D;
  });
}

/**
 * One image tensor (as `encodePng` takes it) as `ImageData`, ready for `putImageData`.
 */
export async function toImageData(image: tf.Tensor, options: EncodeOptions = {}): Promise<ImageData> {
  if (typeof ImageData === 'undefined')
    throw new ImageError('toImageData: ImageData exists in browsers only');
  const { width, height, channels, data } = await toBytes(image, options, 'toImageData');
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const i = p * channels;
    const grey = channels < 3;
    rgba[p * 4] = data[i]!;
    rgba[p * 4 + 1] = grey ? data[i]! : data[i + 1]!;
    rgba[p * 4 + 2] = grey ? data[i]! : data[i + 2]!;
    rgba[p * 4 + 3] = channels === 2 || channels === 4 ? data[i + channels - 1]! : 255;
  }
  return new ImageData(rgba, width, height);
}

/**
 * Draws one image tensor on `canvas` (resized to fit), or on a new canvas, and returns the canvas.
 */
export async function toCanvas<C extends HTMLCanvasElement | OffscreenCanvas = HTMLCanvasElement>(
  image: tf.Tensor,
  canvas?: C,
  options: EncodeOptions = {},
): Promise<C> {
  const pixels = await toImageData(image, options);
  const target = canvas ?? (document.createElement('canvas') as C);
  target.width = pixels.width;
  target.height = pixels.height;
  const context = target.getContext('2d') as
    | CanvasRenderingContext2D
    | OffscreenCanvasRenderingContext2D
    | null;
  if (!context) throw new ImageError('toCanvas: the canvas gave no 2d context');
  context.putImageData(pixels, 0, 0);
  return target;
}

function isOffscreenCanvas(source: PixelSource): source is OffscreenCanvas {
  return typeof OffscreenCanvas !== 'undefined' && source instanceof OffscreenCanvas;
}

function imageDataOf(canvas: OffscreenCanvas): ImageData {
  const context = canvas.getContext('2d');
  if (!context) throw new ImageError('fromPixels: the OffscreenCanvas gave no 2d context');
  return context.getImageData(0, 0, canvas.width, canvas.height);
}
