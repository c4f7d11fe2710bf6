import { eigh, GRAM64_MAX_COLUMNS, qr, svd } from '@cnn/linalg';
import * as tf from '@tensorflow/tfjs-core';
import { componentsForFraction, type ResolvedSolver } from './components';
import { gramDecomposition, sparseGramPays } from './gram_route';
import { randomizedRightSVD } from './randomized';
import { type PcaState, stateFrom } from './state';

/** How one `fit` runs: the options of {@link PCA} resolved against the data. */
export interface FitPlan {
  /** Integer components, a fraction of variance in (0, 1), or undefined for min(n, features). */
  nComponents: number | undefined;
  solver: ResolvedSolver;
  center: boolean;
  seed: number;
  oversample: number;
  powerIters: number;
  featureShape: number[];
}

/**
 * Fits principal components to the samples `x` [n, features] (float32, n ≥ 2): the centred data's SVD,
 * exact or randomized. Explained variances s²/(n − 1); ratios against the total variance; the noise
 * variance the mean of the discarded ones (exact) or what the kept ones leave of the total, over the
 * discarded count (randomized), as scikit-learn. Tall sparse data take the float64 Gram matrix's route
 * (gram_route.ts), the rest the backend's dense products. The caller owns the state's tensors.
 *
 * @example
 * ```ts
 * const state = fitComponents(x, { nComponents: 2, solver: 'full', center: true, seed: 0, oversample: 10, powerIters: 4, featureShape: [5] });
 * ```
 */
export function fitComponents(x: tf.Tensor2D, plan: FitPlan): PcaState {
  const [n, features] = x.shape;
  const most = Math.min(n, features);
  // Vectors to form: the integer count asked for (randomized takes no fraction), else all.
  const wanted =
    plan.nComponents !== undefined && Number.isInteger(plan.nComponents) ? plan.nComponents : most;
  const { values, v, mean, sumSquares } = sparseGramPays(x)
    ? fromGram(x, plan, wanted)
    : fromData(x, plan, wanted);
  try {
    const k =
      plan.nComponents === undefined || Number.isInteger(plan.nComponents)
        ? wanted
        : componentsForFraction(
            Array.from(values, (sv) => (sumSquares > 0 ? (sv * sv) / sumSquares : 0)),
            plan.nComponents,
          );
    const noise =
      plan.solver === 'randomized' ? randomizedNoise(values, k, n, most, sumSquares) : meanTail(values, k, n);
    return stateFrom(values, v, k, mean, n, sumSquares, noise, plan.featureShape);
  } finally {
    tf.dispose([v, mean]);
  }
}

/**
 * What a route hands {@link fitComponents}: singular values (all of them, or the k a randomized solver
 * finds) and the `wanted` right singular vectors of the centred data, its mean and sum of squares.
 */
interface Decomposition {
  values: Float64Array;
  v: tf.Tensor2D;
  mean: tf.Tensor1D;
  sumSquares: number;
}

/** The dense route: the centred data on the backend, then the solver's SVD of it. */
function fromData(x: tf.Tensor2D, plan: FitPlan, wanted: number): Decomposition {
  const features = x.shape[1];
  const mean = plan.center ? (tf.mean(x, 0) as tf.Tensor1D) : (tf.zeros([features]) as tf.Tensor1D);
  const centred = plan.center ? (tf.sub(x, mean) as tf.Tensor2D) : x;
  try {
    const sumSquares = tf.tidy(() => tf.sum(tf.square(centred)).dataSync()[0]!);
    if (plan.solver === 'randomized') {
      const { s, v } = randomizedRightSVD(centred, wanted, plan.oversample, plan.powerIters, plan.seed);
      const values = Float64Array.from(s.dataSync());
      s.dispose();
      return { values, v, mean, sumSquares };
    }
    const { values, v } = plan.solver === 'full' ? exactSVD(centred, wanted) : covarianceSVD(centred);
    return { values, v: v as tf.Tensor2D, mean, sumSquares };
  } catch (error) {
    mean.dispose();
    throw error;
  } finally {
    if (centred !== x) centred.dispose();
  }
}

/**
 * The route for tall sparse data, through the float64 Gram matrix of the centred data (gram_route.ts):
 * every solver starts from it — the exact ones (`full`, `covariance_eigh`) take its float64
 * eigendecomposition, as accurate as a float32 SVD of the data; `randomized` its range finder, as on X.
 */
function fromGram(x: tf.Tensor2D, plan: FitPlan, wanted: number): Decomposition {
  const sketch =
    plan.solver === 'randomized'
      ? { oversample: plan.oversample, powerIters: plan.powerIters, seed: plan.seed }
      : undefined;
  const { values, v, mean, sumSquares } = gramDecomposition(x, plan.center, wanted, sketch);
  return { values, v, mean: tf.tensor1d(Float32Array.from(mean)), sumSquares };
}

/**
 * The randomized solver's noise variance: what the k kept components leave of the total variance, over the
 * min(n, f) − k others (scikit-learn's), as the exact spectrum is not known.
 */
function randomizedNoise(
  values: Float64Array,
  k: number,
  n: number,
  most: number,
  sumSquares: number,
): number {
  let kept = 0;
  for (let j = 0; j < k; j++) kept += (values[j]! * values[j]!) / (n - 1);
  return most > k ? Math.max(sumSquares / (n - 1) - kept, 0) / (most - k) : 0;
}

/**
 * Singular values (float64, all) and right singular vectors (the `wanted` first) of `x` by the exact SVD.
 * For tall data (n ≥ 2f), through its QR: X = QR and R share S and V, and the f×f R is much cheaper to
 * decompose than X — here by its Gram matrix RᵀR in float64 (gram_route.ts; R's zeros below the diagonal
 * make each row one run), which keeps σ to float64 precision against R: as accurate as R itself is, and
 * ~2× faster than `svd(R)` on MNIST-sized R. PCA needs neither Q nor U.
 */
function exactSVD(x: tf.Tensor2D, wanted: number): { values: Float64Array; v: tf.Tensor } {
  const [n, f] = x.shape;
  if (n >= 2 * f && f <= GRAM64_MAX_COLUMNS) {
    const { r } = qr(x, { mode: 'r' });
    const { values, v } = gramDecomposition(r as tf.Tensor2D, false, wanted);
    r.dispose();
    return { values, v };
  }
  const { u, s, v } = svd(x, { computeU: false });
  const values = Float64Array.from(s.dataSync());
  tf.dispose([u, s]);
  return { values, v };
}

/**
 * Singular values and right singular vectors of `x` [n, f] from the eigendecomposition of xᵀx (scikit-learn's
 * `covariance_eigh`): one product and an f×f `eigh`. Eigenvalues that roundoff pushed below zero count as
 * zero; only the min(n, f) largest are kept.
 */
function covarianceSVD(x: tf.Tensor2D): { values: Float64Array; v: tf.Tensor } {
  const [n, f] = x.shape;
  const gram = tf.matMul(x, x, true, false);
  const { values: ascending, vectors } = eigh(gram);
  gram.dispose();
  const eigen = ascending.dataSync();
  ascending.dispose();
  const rank = Math.min(n, f);
  const values = Float64Array.from({ length: rank }, (_, i) => Math.sqrt(Math.max(eigen[f - 1 - i]!, 0)));
  const v = tf.tidy(() => tf.slice(tf.reverse(vectors, 1), [0, 0], [f, rank]));
  vectors.dispose();
  return { values, v };
}

/** The mean of s²/(n − 1) over the singular values past the first k (0 when there are none). */
export function meanTail(values: Float64Array, k: number, n: number): number {
  if (values.length <= k) return 0;
  let sum = 0;
  for (let i = k; i < values.length; i++) sum += (values[i]! * values[i]!) / Math.max(n - 1, 1);
  return sum / (values.length - k);
}
