import * as tf from '@tensorflow/tfjs-core';
import { PreprocessError } from './errors';
import { IMAGENET_CLASSES } from './imagenet_classes';

/** One of the top classes of an image: its output index, its name and its probability. */
export interface Prediction {
  readonly index: number;
  readonly label: string;
  readonly probability: number;
}

/**
 * The `topK` most likely classes of each image, most likely first, as Keras' `decode_predictions`:
 * `logits` [batch, classes] (or one row) go through a softmax, unless `probabilities: true` says they
 * already did (a model ending in softmax). Labels default to {@link IMAGENET_CLASSES}.
 *
 * @example
 * ```ts
 * const [top] = await decodePredictions(net.predict(x), 3);   // [{ index: 281, label: 'tabby, tabby cat', probability: 0.71 }, …]
 * ```
 */
export async function decodePredictions(
  logits: tf.Tensor,
  topK = 5,
  options: { probabilities?: boolean; labels?: readonly string[] } = {},
): Promise<Prediction[][]> {
  const labels = options.labels ?? IMAGENET_CLASSES;
  if (logits.rank !== 1 && logits.rank !== 2) {
    throw new PreprocessError(
      `expected scores [batch, classes] or [classes], got shape [${logits.shape.join(', ')}]`,
    );
  }
  const classes = logits.shape[logits.rank - 1]!;
  if (classes !== labels.length) {
    throw new PreprocessError(`the scores have ${classes} classes but there are ${labels.length} labels`);
  }
  if (!(Number.isInteger(topK) && topK >= 1 && topK <= classes)) {
    throw new PreprocessError(`topK must be an integer in 1…${classes}, got ${topK}`);
  }
  const [values, indices] = tf.tidy(() => {
    const rows = tf.cast(logits.rank === 1 ? tf.expandDims(logits, 0) : logits, 'float32');
    const p = options.probabilities ? rows : tf.softmax(rows);
    const { values, indices } = tf.topk(p, topK);
    return [values, indices];
  });
  const [v, i] = await Promise.all([values.data(), indices.data()]);
  values.dispose();
  indices.dispose();
  const batch = v.length / topK;
  return Array.from({ length: batch }, (_, b) =>
    Array.from({ length: topK }, (_, k) => {
      const index = i[b * topK + k]!;
      return { index, label: labels[index]!, probability: v[b * topK + k]! };
    }),
  );
}
