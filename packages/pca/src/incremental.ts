import { svd } from '@cnn/linalg';
import * as tf from '@tensorflow/tfjs-core';
import { meanTail } from './fit';
import { type PcaState, stateFrom } from './state';

/**
 * One step of incremental PCA (Ross, Lim, Lin & Yang 2008, as scikit-learn's IncrementalPCA): the SVD of
 * the previous components scaled by their singular values, the batch centred on its own mean, and one
 * mean-correction row √(n_prev·b/n)·(μ_prev − μ_batch); the mean and the total sum of squares are
 * combined exactly (Chan et al.). With no previous state it is the exact PCA of the batch. Keeps `k`
 * components. The caller owns the result and disposes `previous` when done with it.
 *
 * @example
 * ```ts
 * let state = incrementalStep(undefined, batch1, 10, true, [784]);
 * const next = incrementalStep(state, batch2, 10, true, [784]);
 * disposeState(state);
 * state = next;
 * ```
 */
export function incrementalStep(
  previous: PcaState | undefined,
  batch: tf.Tensor2D,
  k: number,
  center: boolean,
  featureShape: number[],
): PcaState {
  const [b, features] = batch.shape;
  const seen = previous?.nSamplesSeen ?? 0;
  const total = seen + b;
  const batchMean = center ? (tf.mean(batch, 0) as tf.Tensor1D) : (tf.zeros([features]) as tf.Tensor1D);
  const work = tf.tidy(() => {
    const centred = tf.sub(batch, batchMean);
    const batchSquares = tf.sum(tf.square(centred));
    if (previous === undefined) {
      return { stack: centred, mean: tf.clone(batchMean), batchSquares, shiftSquares: tf.scalar(0) };
    }
    const shift = tf.sub(previous.mean, batchMean);
    const rows = [tf.mul(tf.expandDims(previous.singularValues, 1), previous.components), centred];
    if (center) rows.push(tf.expandDims(tf.mul(shift, Math.sqrt((seen * b) / total)), 0));
    return {
      stack: tf.concat(rows, 0),
      mean: tf.add(tf.mul(previous.mean, seen / total), tf.mul(batchMean, b / total)),
      batchSquares,
      shiftSquares: tf.sum(tf.square(shift)),
    };
  });
  batchMean.dispose();
  const sumSquares =
    (previous?.sumSquares ?? 0) +
    work.batchSquares.dataSync()[0]! +
    (center ? (work.shiftSquares.dataSync()[0]! * seen * b) / total : 0);
  const { u, s, v } = svd(work.stack);
  const values = Float64Array.from(s.dataSync());
  tf.dispose([u, s, work.stack, work.batchSquares, work.shiftSquares]);
  const state = stateFrom(
    values,
    v as tf.Tensor2D,
    Math.min(k, values.length),
    work.mean as tf.Tensor1D,
    total,
    sumSquares,
    meanTail(values, k, total),
    featureShape,
  );
  tf.dispose([v, work.mean]);
  return state;
}
