import { DatasetError } from './errors';

/** Pixels of a whole set, image after image, NHWC: bytes as stored (0–255) or floats. */
export type Pixels = Uint8Array | Float32Array;

/**
 * A labelled image set held in memory, columnar: what the loaders return and `Dataset.fromImages` streams.
 * `images[((i * h + y) * w + x) * c + ch]` is channel `ch` of pixel (x, y) of image `i`.
 */
export interface ImageSet {
  readonly images: Pixels;
  /** `[n, height, width, channels]`. */
  readonly shape: readonly [number, number, number, number];
  /** One class index per image, in `[0, classes.length)`. */
  readonly labels: Int32Array;
  /** Class names, by index (`'0'`…`'9'` for digits, `'airplane'`… for CIFAR-10, people's names for faces). */
  readonly classes: readonly string[];
}

/**
 * Checks that the parts agree and returns them as an {@link ImageSet}: pixels for `n·h·w·c` values, one
 * label per image, each label a class index.
 */
export function imageSet(parts: ImageSet): ImageSet {
  const { images, shape, labels, classes } = parts;
  if (shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new DatasetError(`imageSet: shape must be [n, height, width, channels], got [${shape.join(', ')}]`);
  }
  const [n, h, w, c] = shape;
  if (images.length !== n * h * w * c) {
    throw new DatasetError(
      `imageSet: ${n}×${h}×${w}×${c} images need ${n * h * w * c} values, got ${images.length}`,
    );
  }
  if (labels.length !== n) {
    throw new DatasetError(`imageSet: ${n} images need ${n} labels, got ${labels.length}`);
  }
  for (let i = 0; i < n; i++) {
    const label = labels[i]!;
    if (label < 0 || label >= classes.length) {
      throw new DatasetError(
        `imageSet: label ${label} of image ${i} is not a class index in [0, ${classes.length})`,
      );
    }
  }
  return { images, shape: [n, h, w, c], labels, classes };
}

/** The images at `indices`, in that order (copied): how splits and folds are taken. */
export function subset(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const [n, h, w, c] = set.shape;
  const size = h * w * c;
  const images = new (set.images.constructor as new (n: number) => Pixels)(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new DatasetError(`subset: index ${i} is outside [0, ${n})`);
    }
    images.set(set.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = set.labels[i]!;
  }
  return { images, shape: [indices.length, h, w, c], labels, classes: set.classes };
}
