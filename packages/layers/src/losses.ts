import * as tf from '@tensorflow/tfjs-core';
import { LayerError } from './errors';

/** A loss: the mean over the batch of a per-example penalty between targets and predictions. */
export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

/** Class indices `[batch]` (int32) or one-hot rows `[batch, classes]`, as one-hot rows. */
function oneHotOf(yTrue: tf.Tensor, classes: number): tf.Tensor {
  return yTrue.rank === 1 ? tf.oneHot(tf.cast(yTrue, 'int32'), classes) : yTrue;
}

/**
 * The losses of the seeds, by name. `softmaxCrossEntropy` takes logits (a numerically stable
 * log-softmax) and targets as class indices or one-hot rows; `binaryCrossEntropy` takes probabilities
 * (or logits with `binaryCrossEntropyFromLogits`); `meanSquaredError` and `meanAbsoluteError` (L1).
 *
 * @example
 * ```ts
 * const loss = losses.softmaxCrossEntropy(labels, logits);
 * ```
 */
export const losses = {
  softmaxCrossEntropy: (yTrue: tf.Tensor, logits: tf.Tensor): tf.Scalar =>
    tf.tidy(() => {
      const target = oneHotOf(yTrue, logits.shape.at(-1)!);
      return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(logits)), -1))) as tf.Scalar;
    }),
  binaryCrossEntropy: (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
    tf.tidy(() => {
      const p = tf.clipByValue(yPred, 1e-7, 1 - 1e-7);
      const t = tf.cast(yTrue, 'float32');
      return tf.neg(
        tf.mean(tf.add(tf.mul(t, tf.log(p)), tf.mul(tf.sub(1, t), tf.log1p(tf.neg(p))))),
      ) as tf.Scalar;
    }),
  binaryCrossEntropyFromLogits: (yTrue: tf.Tensor, logits: tf.Tensor): tf.Scalar =>
    tf.tidy(() => {
      // max(z, 0) − z·t + log(1 + e^−|z|): no overflow for large |z|.
      const t = tf.cast(yTrue, 'float32');
      return tf.mean(
        tf.add(tf.sub(tf.relu(logits), tf.mul(logits, t)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))),
      ) as tf.Scalar;
    }),
  meanSquaredError: (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
    tf.mean(tf.squaredDifference(yTrue, yPred)) as tf.Scalar,
  meanAbsoluteError: (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
    tf.mean(tf.abs(tf.sub(yTrue, yPred))) as tf.Scalar,
} as const satisfies Record<string, LossFn>;

export type LossName = keyof typeof losses;

/** Resolves a loss given by name or as a function. */
export function loss(value: LossName | LossFn): LossFn {
  if (typeof value === 'function') return value;
  const fn = losses[value];
  if (!fn) throw new LayerError(`unknown loss '${value}'; known: ${Object.keys(losses).join(', ')}`);
  return fn;
}
