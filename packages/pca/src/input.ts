import * as tf from '@tensorflow/tfjs-core';
import { PcaError } from './errors';

/** Shape text for messages. */
export const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/**
 * The samples of `x` as a float32 matrix [n, features]: a matrix as is, images [n, h, w, c] (or any rank
 * above 2) flattened per sample. The caller disposes the result (a new tensor, even for a float32 matrix).
 */
export function toMatrix(fn: string, x: unknown): tf.Tensor2D {
  if (!(x instanceof tf.Tensor)) {
    throw new PcaError(
      `${fn}: expected a tf.Tensor of samples [n, features], got ${x === null ? 'null' : typeof x}`,
    );
  }
  if (x.isDisposed) throw new PcaError(`${fn}: the tensor of samples is disposed`);
  if (x.rank < 2) {
    throw new PcaError(
      `${fn}: expected samples [n, features] or images [n, h, w, c], got shape ${shapeText(x.shape)}`,
    );
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new PcaError(`${fn}: expected a float32 (or int32) tensor, got ${x.dtype}`);
  }
  const n = x.shape[0]!;
  const features = x.shape.slice(1).reduce((a: number, b: number) => a * b, 1);
  return tf.tidy(() => tf.cast(tf.reshape(x, [n, features]), 'float32') as tf.Tensor2D);
}

/** Throws unless the samples `x` have the `features` a fitted model expects. */
export function checkFeatures(
  fn: string,
  x: tf.Tensor,
  features: number,
  featureShape: readonly number[],
): void {
  const got = x.shape.slice(1).reduce((a: number, b: number) => a * b, 1);
  if (got !== features) {
    throw new PcaError(
      `${fn}: expected samples with ${features} features (shape [n, ${features}] or [n, ${featureShape.join(', ')}], as fitted), got shape ${shapeText(x.shape)}`,
    );
  }
}
