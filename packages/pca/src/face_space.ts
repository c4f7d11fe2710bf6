import * as tf from '@tensorflow/tfjs-core';
import { PcaError } from './errors';
import { shapeText } from './input';
import type { PCA } from './pca';

/**
 * What a fitted `EigenFaces` holds: the PCA of the (normalised) faces, the image shape, and the people it
 * knows as the means of their images in face space. Tensors are owned by the model.
 */
export interface FaceSpace {
  pca: PCA;
  normalize: boolean;
  height: number;
  width: number;
  /** The known people: their labels and their class means in face space, [people, k]. */
  people: { labels: number[]; means: tf.Tensor2D } | undefined;
  /** Distance in face space beyond which `identify` answers 'unknown'. */
  threshold: number;
}

/**
 * One or more images as float32 rows [n, h·w] for a model of h×w faces: [n, h, w, 1], [h, w, 1] (one
 * image), or [n, h·w]. Returns the rows (the caller disposes them) and the shape to give results back in.
 */
export function toRows(
  fn: string,
  x: unknown,
  height: number,
  width: number,
): { rows: tf.Tensor2D; shape: number[] } {
  const d = height * width;
  if (!(x instanceof tf.Tensor)) {
    throw new PcaError(`${fn}: expected a tf.Tensor of images, got ${x === null ? 'null' : typeof x}`);
  }
  if (x.isDisposed) throw new PcaError(`${fn}: the tensor of images is disposed`);
  const s = x.shape;
  const ok =
    (x.rank === 4 && s[1] === height && s[2] === width && s[3] === 1) ||
    (x.rank === 3 && s[0] === height && s[1] === width && s[2] === 1) ||
    (x.rank === 2 && s[1] === d);
  if (!ok) {
    throw new PcaError(
      `${fn}: expected images [n, ${height}, ${width}, 1], one image [${height}, ${width}, 1] or rows [n, ${d}], got shape ${shapeText(s)}`,
    );
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new PcaError(`${fn}: expected a float32 (or int32) tensor, got ${x.dtype}`);
  }
  const n = x.rank === 3 ? 1 : s[0]!;
  const rows = tf.tidy(() => tf.cast(tf.reshape(x, [n, d]), 'float32') as tf.Tensor2D);
  return { rows, shape: [...s] };
}

/** One image (or scene) as [1, H, W, 1]: from [1, H, W, 1], [H, W, 1] or [H, W]. The caller disposes it. */
export function toScene(fn: string, x: unknown): tf.Tensor4D {
  if (!(x instanceof tf.Tensor) || x.isDisposed) {
    throw new PcaError(
      `${fn}: expected a live tf.Tensor image, got ${x instanceof tf.Tensor ? 'a disposed tensor' : typeof x}`,
    );
  }
  const s = x.shape;
  const ok = (x.rank === 4 && s[0] === 1 && s[3] === 1) || (x.rank === 3 && s[2] === 1) || x.rank === 2;
  if (!ok) {
    throw new PcaError(
      `${fn}: expected one grayscale image [1, H, W, 1], [H, W, 1] or [H, W], got shape ${shapeText(s)}`,
    );
  }
  const [h, w] = x.rank === 4 ? [s[1]!, s[2]!] : [s[0]!, s[1]!];
  return tf.tidy(() => tf.cast(tf.reshape(x, [1, h, w, 1]), 'float32') as tf.Tensor4D);
}
