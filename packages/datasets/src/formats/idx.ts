import { ByteReader, type Bytes, maybeGunzip } from '../bytes';
import { FormatError } from '../errors';
import type { ImageSet } from '../image_set';
import {
  checkNdArray,
  type DType,
  ELEMENT_SIZE,
  elementBytes,
  type NdArray,
  ndarray,
  readElements,
  shapeSize,
} from './ndarray';

/** IDX type byte → element type (0x0B int16 and wider are big-endian in the file). */
const IDX_TYPES: ReadonlyMap<number, DType> = new Map<number, DType>([
  [0x08, 'uint8'],
  [0x09, 'int8'],
  [0x0b, 'int16'],
  [0x0c, 'int32'],
  [0x0d, 'float32'],
  [0x0e, 'float64'],
]);

const hex = (b: number) => `0x${b.toString(16).padStart(2, '0')}`;

/**
 * Parses an IDX file (the format of LeCun's MNIST files and Fashion-MNIST): two zero bytes, a type byte,
 * the number of dimensions, each dimension as a big-endian uint32, then the elements, big-endian, C order.
 * Gzipped files (`*.gz` as distributed) are inflated first. Bytes are returned as a view of the input.
 *
 * @example
 * ```ts
 * const images = parseIdx(readFileSync('train-images-idx3-ubyte.gz')); // { dtype: 'uint8', shape: [60000, 28, 28] }
 * ```
 */
export function parseIdx(bytes: Bytes): NdArray {
  const reader = new ByteReader(maybeGunzip(bytes, 'idx'), 'idx');
  const zero0 = reader.uint8('the magic number');
  const zero1 = reader.uint8('the magic number');
  if (zero0 !== 0 || zero1 !== 0) {
    throw new FormatError(
      'idx',
      `not an IDX file: the magic number starts with two zero bytes, got ${hex(zero0)} ${hex(zero1)}`,
    );
  }
  const typeByte = reader.uint8('the type byte');
  const dtype = IDX_TYPES.get(typeByte);
  if (dtype === undefined) {
    const known = [...IDX_TYPES].map(([b, t]) => `${hex(b)} ${t}`).join(', ');
    throw new FormatError('idx', `unknown element type ${hex(typeByte)}; expected one of ${known}`);
  }
  const ndims = reader.uint8('the number of dimensions');
  const shape: number[] = [];
  for (let i = 0; i < ndims; i++) shape.push(reader.uint32(`dimension ${i}`, false));
  const size = ELEMENT_SIZE[dtype];
  // A float product: a lying header makes it huge (or Infinity), never wraps, and is checked before allocating.
  const needed = shapeSize(shape) * size;
  if (needed !== reader.remaining) {
    const what = needed > reader.remaining ? 'truncated' : 'trailing bytes';
    throw new FormatError(
      'idx',
      `${what}: shape [${shape.join(', ')}] of ${dtype} needs ${needed} data bytes after the ${reader.offset}-byte header, the file has ${reader.remaining}`,
    );
  }
  return ndarray(dtype, shape, readElements(reader.take(needed, 'the data'), dtype, false));
}

/**
 * Writes an array as an IDX file (big-endian, uncompressed). IDX holds uint8, int8, int16, int32, float32
 * and float64; `bool` is written as uint8. At most 255 dimensions, each below 2^32.
 *
 * @example
 * ```ts
 * const file = encodeIdx({ dtype: 'uint8', shape: [2], data: new Uint8Array([3, 7]) });
 * parseIdx(file); // { dtype: 'uint8', shape: [2], data: Uint8Array [3, 7] }
 * ```
 */
export function encodeIdx(array: NdArray): Uint8Array {
  checkNdArray(array, 'idx');
  const dtype = array.dtype === 'bool' ? 'uint8' : array.dtype;
  const typeByte = [...IDX_TYPES].find(([, t]) => t === dtype)?.[0];
  if (typeByte === undefined) {
    throw new FormatError('idx', `IDX has no ${dtype} type; it holds ${[...IDX_TYPES.values()].join(', ')}`);
  }
  const { shape } = array;
  if (shape.length > 255 || shape.some((d) => d >= 2 ** 32)) {
    throw new FormatError('idx', `IDX holds up to 255 dimensions below 2^32, got [${shape.join(', ')}]`);
  }
  const header = 4 + 4 * shape.length;
  const data = elementBytes(array.data, false);
  const out = new Uint8Array(header + data.length);
  const view = new DataView(out.buffer);
  view.setUint8(2, typeByte);
  view.setUint8(3, shape.length);
  for (const [i, d] of shape.entries()) view.setUint32(4 + 4 * i, d, false);
  out.set(data, header);
  return out;
}

/**
 * An {@link ImageSet} from a pair of IDX files as MNIST and Fashion-MNIST ship them: `images` a 3-D uint8
 * array `[n, height, width]`, `labels` a 1-D integer array of `n` class indices. Images come back as
 * `[n, height, width, 1]` (a view of the image bytes), labels as Int32Array.
 *
 * @example
 * ```ts
 * const digits = Array.from({ length: 10 }, (_, i) => String(i));
 * const train = idxImageSet(readFileSync('train-images-idx3-ubyte.gz'), readFileSync('train-labels-idx1-ubyte.gz'), digits);
 * train.shape; // [60000, 28, 28, 1]
 * ```
 */
export function idxImageSet(images: Bytes, labels: Bytes, classes: readonly string[]): ImageSet {
  const pixels = parseIdx(images);
  if (pixels.dtype !== 'uint8' || pixels.shape.length !== 3) {
    throw new FormatError(
      'idx',
      `images must be a 3-D uint8 array [n, height, width], got ${pixels.dtype} [${pixels.shape.join(', ')}]`,
    );
  }
  const marks = parseIdx(labels);
  if (marks.shape.length !== 1 || marks.dtype === 'float32' || marks.dtype === 'float64') {
    throw new FormatError(
      'idx',
      `labels must be a 1-D integer array, got ${marks.dtype} [${marks.shape.join(', ')}]`,
    );
  }
  const [n, h, w] = pixels.shape as [number, number, number];
  if (marks.data.length !== n) {
    throw new FormatError(
      'idx',
      `the image file holds ${n} images but the label file ${marks.data.length} labels`,
    );
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = marks.data[i]!;
    if (label < 0 || label >= classes.length) {
      throw new FormatError(
        'idx',
        `label ${label} of image ${i} is not a class index in [0, ${classes.length})`,
      );
    }
    out[i] = label;
  }
  return { images: pixels.data, shape: [n, h, w, 1], labels: out, classes };
}
