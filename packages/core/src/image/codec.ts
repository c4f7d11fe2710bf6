import * as tf from '@tensorflow/tfjs-core';
import { convertIndexedToRgb, decode as decodePngBytes, encode as encodePngBytes } from 'fast-png';
import { decode as decodeJpegBytes } from 'jpeg-js';
import { ImageError } from '../errors';

/** Channels of a decoded image: 1 luminance, 3 RGB, 4 RGBA. */
export type Channels = 1 | 3 | 4;

export interface DecodeOptions {
  /**
   * Channels of the result. Default: the image's own — 1 for grey, 3 for colour, 4 where it has alpha
   * (grey with alpha becomes RGBA). Colour to grey is BT.601 luminance (0.299 R + 0.587 G + 0.114 B).
   */
  channels?: Channels;
}

export interface EncodeOptions {
  /**
   * `'clip'` (default): float32 in [0, 1] and int32 in [0, 255] map to 0–255, beyond is clipped.
   * `'minmax'`: the image's own range maps to 0–255, for filters, gradients and other signed maps.
   */
  normalize?: 'clip' | 'minmax';
}

/** Interleaved pixels with a known maximum value (255 or 65535). */
interface Pixels {
  width: number;
  height: number;
  channels: number;
  data: ArrayLike<number>;
  max: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];
// Refuse images whose pixels alone would take more than this (a hostile header can claim anything).
const MAX_PIXELS = 100e6;

/**
 * Decodes PNG or JPEG bytes (any bit depth, palette, grey, alpha, interlaced) into a float32 NHWC tensor
 * `[1, height, width, channels]` with values in [0, 1]. Bytes that are not such an image throw an
 * {@link ImageError}. The caller disposes the tensor.
 *
 * @example
 * ```ts
 * const image = decodeImage(await (await fetch('cat.jpg')).bytes(), { channels: 3 });
 * ```
 */
export function decodeImage(bytes: Uint8Array | ArrayBuffer, options: DecodeOptions = {}): tf.Tensor4D {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const pixels = decodePixels(view);
  const channels = options.channels ?? defaultChannels(pixels.channels);
  if (![1, 3, 4].includes(channels)) {
    throw new ImageError(`decodeImage: channels must be 1, 3 or 4, got ${String(channels)}`);
  }
  return tf.tensor4d(convert(pixels, channels), [1, pixels.height, pixels.width, channels], 'float32');
}

function decodePixels(bytes: Uint8Array): Pixels {
  const kind = startsWith(bytes, PNG_SIGNATURE)
    ? 'PNG'
    : startsWith(bytes, JPEG_SIGNATURE)
      ? 'JPEG'
      : undefined;
  if (kind === undefined) {
    const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new ImageError(
      `decodeImage: expected a PNG (89 50 4e 47 …) or a JPEG (ff d8 ff …), got ${bytes.length} bytes` +
        (head ? ` starting ${head}` : ''),
    );
  }
  try {
    return kind === 'PNG' ? decodePng(bytes) : decodeJpeg(bytes);
  } catch (error) {
    if (error instanceof ImageError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ImageError(`decodeImage: a damaged or unsupported ${kind} (${bytes.length} bytes): ${reason}`, {
      cause: error,
    });
  }
}

function decodePng(bytes: Uint8Array): Pixels {
  if (bytes.length >= 24) {
    // IHDR comes first: refuse a hostile size before the decoder allocates for it.
    const header = new DataView(bytes.buffer, bytes.byteOffset + 16, 8);
    checkSize(header.getUint32(0), header.getUint32(4));
  }
  const png = decodePngBytes(bytes);
  checkSize(png.width, png.height);
  if (png.palette) {
    const rgb = convertIndexedToRgb(png);
    return {
      width: png.width,
      height: png.height,
      channels: png.palette[0]?.length ?? 3,
      data: rgb,
      max: 255,
    };
  }
  const data =
    png.depth < 8
      ? unpackBits(png.data as Uint8Array, png.width * png.channels, png.height, png.depth)
      : png.data;
  const expected = png.width * png.height * png.channels;
  if (data.length < expected)
    throw new ImageError(`decodeImage: PNG pixel data is short (${data.length} of ${expected} values)`);
  return { width: png.width, height: png.height, channels: png.channels, data, max: 2 ** png.depth - 1 };
}

function decodeJpeg(bytes: Uint8Array): Pixels {
  const jpeg = decodeJpegBytes(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    maxResolutionInMP: MAX_PIXELS / 1e6,
  });
  checkSize(jpeg.width, jpeg.height);
  return { width: jpeg.width, height: jpeg.height, channels: 3, data: jpeg.data, max: 255 };
}

function checkSize(width: number, height: number): void {
  if (!(width > 0 && height > 0) || width * height > MAX_PIXELS) {
    throw new ImageError(`decodeImage: image size ${width}×${height} is outside 1 … ${MAX_PIXELS} pixels`);
  }
}

/** Samples of 1, 2 or 4 bits, packed into bytes row by row, each row starting on a byte. */
function unpackBits(packed: Uint8Array, samplesPerRow: number, rows: number, depth: number): Uint8Array {
  const out = new Uint8Array(samplesPerRow * rows);
  const rowBytes = Math.ceil((samplesPerRow * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < samplesPerRow; i++) {
      const bit = i * depth;
      const byte = packed[r * rowBytes + (bit >> 3)] ?? 0;
      out[r * samplesPerRow + i] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

const defaultChannels = (source: number): Channels => (source === 1 ? 1 : source === 3 ? 3 : 4);

/** Any of grey, grey+alpha, RGB, RGBA to the channels asked for, scaled to [0, 1]. */
function convert({ data, channels: from, max, width, height }: Pixels, to: Channels): Float32Array {
  const n = width * height;
  const out = new Float32Array(n * to);
  const scale = 1 / max;
  const hasColour = from >= 3;
  const hasAlpha = from === 2 || from === 4;
  for (let p = 0; p < n; p++) {
    const i = p * from;
    const r = data[i]! * scale;
    const g = hasColour ? data[i + 1]! * scale : r;
    const b = hasColour ? data[i + 2]! * scale : r;
    const o = p * to;
    if (to === 1) {
      out[o] = hasColour ? 0.299 * r + 0.587 * g + 0.114 * b : r;
    } else {
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      if (to === 4) out[o + 3] = hasAlpha ? data[i + from - 1]! * scale : 1;
    }
  }
  return out;
}

/**
 * Encodes one image — `[height, width]`, `[height, width, channels]` or `[1, height, width, channels]`,
 * 1 to 4 channels — as 8-bit PNG bytes. float32 is read as [0, 1], int32 as [0, 255] (tfjs' `toPixels`
 * convention), or any range with `normalize: 'minmax'`.
 */
export async function encodePng(image: tf.Tensor, options: EncodeOptions = {}): Promise<Uint8Array> {
  const { width, height, channels, data } = await toBytes(image, options, 'encodePng');
  return encodePngBytes({ width, height, channels, depth: 8, data });
}

/** A tensor image as interleaved 8-bit samples. */
export async function toBytes(
  image: tf.Tensor,
  options: EncodeOptions,
  caller: string,
): Promise<{ width: number; height: number; channels: number; data: Uint8Array }> {
  const shape = image.shape;
  const [height, width, channels] =
    image.rank === 2
      ? [shape[0]!, shape[1]!, 1]
      : image.rank === 3
        ? shape
        : image.rank === 4 && shape[0] === 1
          ? shape.slice(1)
          : [];
  if (height === undefined || width === undefined || channels === undefined || channels < 1 || channels > 4) {
    throw new ImageError(
      `${caller}: expected one image [h, w], [h, w, c] or [1, h, w, c] with c in 1…4, got shape [${shape.join(', ')}]` +
        (image.rank === 4 ? ' (a batch: slice out one image first)' : ''),
    );
  }
  const values = await image.data();
  let lo = 0;
  let hi = image.dtype === 'int32' ? 255 : 1;
  if (options.normalize === 'minmax') {
    lo = Infinity;
    hi = -Infinity;
    for (const v of values as ArrayLike<number> & Iterable<number>) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!(hi > lo)) hi = lo + 1;
  }
  const data = new Uint8Array(values.length);
  const scale = 255 / (hi - lo);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round(((values[i] as number) - lo) * scale);
    data[i] = v < 0 ? 0 : v > 255 ? 255 : Number.isNaN(v) ? 0 : v;
  }
  return { width, height, channels, data };
}

function startsWith(bytes: Uint8Array, signature: number[]): boolean {
  return bytes.length >= signature.length && signature.every((b, i) => bytes[i] === b);
}
