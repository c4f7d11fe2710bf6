import * as tf from '@tensorflow/tfjs-core';

/**
 * What a fitted {@link PCA} holds. Tensors are owned by the model (it disposes them); numbers are float64.
 *
 * @example
 * ```ts
 * const state = fitFull(x, { nComponents: 2, center: true }); // [k, features] components and the rest
 * disposeState(state);
 * ```
 */
export interface PcaState {
  /** Principal axes as rows, [k, features], orthonormal, by decreasing explained variance. */
  components: tf.Tensor2D;
  /** Per-feature mean of the samples seen, [features] (zeros when not centring). */
  mean: tf.Tensor1D;
  /** Variance along each component, [k]: singularValues² / (n − 1). */
  explainedVariance: tf.Tensor1D;
  /** Fraction of the total variance along each component, [k]. */
  explainedVarianceRatio: tf.Tensor1D;
  /** Singular values of the centred data along the components, [k]. */
  singularValues: tf.Tensor1D;
  /** Mean variance of the discarded directions (0 when none is discarded). */
  noiseVariance: number;
  /** Samples seen: by `fit`, or summed over `partialFit` batches. */
  nSamplesSeen: number;
  /** Σ of squared deviations from the mean over all samples and features (total variance × (n − 1)). */
  sumSquares: number;
  /** Shape of one sample as fitted (`[features]`, or `[h, w, c]` for images). */
  featureShape: number[];
}

/** Disposes the tensors of a state. */
export function disposeState(state: PcaState): void {
  tf.dispose([
    state.components,
    state.mean,
    state.explainedVariance,
    state.explainedVarianceRatio,
    state.singularValues,
  ]);
}

/** The host copy of a small tensor, as float64. */
export function hostValues(x: tf.Tensor): Float64Array {
  return Float64Array.from(x.dataSync());
}

/** Rows of `c` flipped so that each one's entry of largest magnitude is positive. */
function signed(c: tf.Tensor2D): tf.Tensor2D {
  const rows = c.arraySync();
  const signs = rows.map((row) => {
    let big = 0;
    for (const x of row) if (Math.abs(x) > Math.abs(big)) big = x;
    return big < 0 ? -1 : 1;
  });
  return tf.mul(c, tf.tensor2d(signs, [signs.length, 1]));
}

/**
 * The state for `k` components out of singular values `s` (all of them, descending, as float64) and right
 * singular vectors `v` [features, ≥ k], with the noise variance given: builds the owned tensors.
 */
export function stateFrom(
  s: Float64Array,
  v: tf.Tensor2D,
  k: number,
  mean: tf.Tensor1D,
  nSamplesSeen: number,
  sumSquares: number,
  noiseVariance: number,
  featureShape: number[],
): PcaState {
  const kept = s.subarray(0, k);
  const dof = Math.max(nSamplesSeen - 1, 1);
  const variance = Float64Array.from(kept, (x) => (x * x) / dof);
  const ratio = Float64Array.from(kept, (x) => (sumSquares > 0 ? (x * x) / sumSquares : 0));
  return {
    components: tf.tidy(() => signed(tf.transpose(tf.slice(v, [0, 0], [v.shape[0], k])) as tf.Tensor2D)),
    mean: tf.clone(mean),
    explainedVariance: tf.tensor1d(Float32Array.from(variance)),
    explainedVarianceRatio: tf.tensor1d(Float32Array.from(ratio)),
    singularValues: tf.tensor1d(Float32Array.from(kept)),
    noiseVariance,
    nSamplesSeen,
    sumSquares,
    featureShape,
  };
}
