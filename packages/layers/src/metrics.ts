import * as tf from '@tensorflow/tfjs-core';
import { LayerError } from './errors';

/** A metric: a batch's mean of a per-example score. */
export type MetricFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

const labelsOf = (yTrue: tf.Tensor) => (yTrue.rank === 1 ? tf.cast(yTrue, 'int32') : tf.argMax(yTrue, -1));

/**
 * The share of examples whose true class is among the `k` highest scores (seed 002's `in_top_k`);
 * targets as class indices or one-hot rows.
 */
export function topKAccuracy(k: number): MetricFn {
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const labels = labelsOf(yTrue);
      const target = tf.sum(tf.mul(yPred, tf.oneHot(labels, yPred.shape.at(-1)!)), -1, true);
      // In the top k when fewer than k scores beat it (ties count for it, as TensorFlow's in_top_k).
      const above = tf.sum(tf.cast(tf.greater(yPred, target), 'float32'), -1);
      return tf.mean(tf.cast(tf.less(above, k), 'float32')) as tf.Scalar;
    });
}

/**
 * Metrics by name: `accuracy` (the top score is the true class), `topKAccuracy`-style `top5Accuracy`.
 *
 * @example
 * ```ts
 * const acc = metrics.accuracy(labels, logits).dataSync()[0];
 * ```
 */
export const metrics = {
  accuracy: ((yTrue, yPred) =>
    tf.tidy(
      () => tf.mean(tf.cast(tf.equal(labelsOf(yTrue), tf.argMax(yPred, -1)), 'float32')) as tf.Scalar,
    )) as MetricFn,
  top5Accuracy: topKAccuracy(5),
} as const;

export type MetricName = keyof typeof metrics;

/** Resolves a metric given by name or as a function. */
export function metric(value: MetricName | MetricFn): MetricFn {
  if (typeof value === 'function') return value;
  const fn = metrics[value];
  if (!fn) throw new LayerError(`unknown metric '${value}'; known: ${Object.keys(metrics).join(', ')}`);
  return fn;
}

/**
 * The confusion matrix: entry (i, j) counts examples of true class i predicted as j.
 *
 * @example
 * ```ts
 * const m = await confusionMatrix(labels, logits, 10);   // number[10][10]
 * ```
 */
export async function confusionMatrix(
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  classes: number,
): Promise<number[][]> {
  const [truth, guess] = tf.tidy(() => [labelsOf(yTrue), tf.argMax(yPred, -1)]);
  const [t, g] = await Promise.all([truth!.data(), guess!.data()]);
  tf.dispose([truth!, guess!]);
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < t.length; i++) {
    const row = matrix[t[i]!];
    if (!row || g[i]! >= classes)
      throw new LayerError(`confusionMatrix: class ${t[i]} or ${g[i]} is not below ${classes}`);
    row[g[i]!]!++;
  }
  return matrix;
}
