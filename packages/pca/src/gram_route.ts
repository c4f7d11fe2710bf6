import { Rng } from '@cnn/core';
import { type Eigh64Result, eigh64, GRAM64_MAX_COLUMNS, gram64 } from '@cnn/linalg';
import * as tf from '@tensorflow/tfjs-core';
import { crossProduct, normalise } from './randomized';

/**
 * Σ_r nnz_r² over m·f² below which the Gram route wins: its float64 sums of nonzero products take ~3 ns
 * each on one thread, the backend's dense route (QR, then products of m·f·(k + p)) ~1.3e-10 s per m·f²
 * on wasm — even at 8% the Gram matrix is the cheaper start. MNIST is at 4%.
 */
const SPARSE_SHARE = 0.08;
/** Rows the sparsity estimate reads: one in this many. */
const STRIDE = 8;

/**
 * Whether `x` [n, f] (uncentred) is best decomposed through its Gram matrix in float64 on the host: tall,
 * at most 4096 features, and sparse enough (images with a blank background) that summing the products of
 * its nonzero entries costs a fraction of the backend's dense products.
 */
export function sparseGramPays(x: tf.Tensor2D): boolean {
  const [m, f] = x.shape;
  if (m < f || f > GRAM64_MAX_COLUMNS) return false;
  // An estimate from every STRIDE-th row (only those downloaded): it only chooses between two exact routes.
  const rows = Math.ceil(m / STRIDE);
  const sample = tf.tidy(() => tf.gather(x, tf.range(0, m, STRIDE, 'int32')));
  const data = sample.dataSync();
  sample.dispose();
  const budget = SPARSE_SHARE * rows * f * f;
  let work = 0;
  for (let r = 0; r < rows && work <= budget; r++) {
    let count = 0;
    for (let j = r * f; j < (r + 1) * f; j++) if (data[j] !== 0) count++;
    work += count * count;
  }
  return work <= budget;
}

/** What {@link gramDecomposition} returns: float64 on the host but `v`. */
export interface GramDecomposition {
  /** Singular values of the centred data, descending: all f (exact), or the k found (randomized). */
  values: Float64Array;
  /** Right singular vectors [f, wanted], by decreasing singular value. */
  v: tf.Tensor2D;
  mean: Float64Array;
  /** Σ of squared deviations from the mean: the centred Gram matrix's trace. */
  sumSquares: number;
}

/** How the randomized range finder runs on the Gram matrix. */
export interface GramSketch {
  oversample: number;
  powerIters: number;
  seed: number;
}

/**
 * The SVD of the (optionally centred) data x [n, f] from its Gram matrix G = XᵀX in float64 (gram64, exact
 * to float64 rounding, sparse products): σ² are G's eigenvalues and V its eigenvectors. Exact by eigh64 —
 * in float64 throughout, σ_j carries ~2⁻⁵² σ₁²/σ_j, better than a float32 SVD of X for every σ_j above
 * 2⁻²⁸ σ₁ — forming the `wanted` largest vectors; or, given `sketch`, by the randomized range finder on G
 * (scikit-learn's randomized_svd with q power iterations spans G^{q+1}Ω: here q + 1 products by G on the
 * backend, then Rayleigh–Ritz in float64) for the `wanted` largest only.
 */
export function gramDecomposition(
  x: tf.Tensor2D,
  center: boolean,
  wanted: number,
  sketch?: GramSketch,
): GramDecomposition {
  const f = x.shape[1];
  const { gram, mean } = gram64(x, { center });
  let sumSquares = 0;
  for (let i = 0; i < f; i++) sumSquares += gram[i * f + i]!;
  if (sketch) return { ...randomizedEigen(gram, f, wanted, sketch), mean, sumSquares };
  const { sigma, columns } = largestFirst(eigh64(gram, f, { largest: wanted }), f);
  return { values: sigma, v: tf.tensor2d(columns, [f, wanted]), mean, sumSquares };
}

/**
 * eigh64's result (ascending) largest first: the square roots of the `count` largest eigenvalues (those
 * roundoff pushed below zero as zero), and the vectors' n×k matrix with its columns reversed.
 */
function largestFirst({ values, vectors }: Eigh64Result, count: number) {
  const n = values.length;
  const k = vectors.length / n;
  const sigma = Float64Array.from({ length: count }, (_, j) => Math.sqrt(Math.max(values[n - 1 - j]!, 0)));
  const columns = new Float32Array(n * k);
  for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) columns[r * k + j] = vectors[r * k + k - 1 - j]!;
  return { sigma, columns };
}

/** The `k` largest eigenpairs of symmetric `gram` (f×f) by a Gaussian sketch, power iterations and Rayleigh–Ritz. */
function randomizedEigen(
  gram: Float64Array,
  f: number,
  k: number,
  { oversample, powerIters, seed }: GramSketch,
): { values: Float64Array; v: tf.Tensor2D } {
  const l = Math.min(k + oversample, f);
  // Float32 on the backend: its rounding (2⁻²⁴‖G‖) only reaches eigenvalues far below the k wanted.
  const g = tf.tensor2d(new Float32Array(gram), [f, f]);
  const [q, gq] = tf.tidy(() => {
    let y: tf.Tensor2D = tf.matMul(g, new Rng(seed).randomNormal([f, l]) as tf.Tensor2D);
    for (let i = 0; i < powerIters; i++) y = tf.matMul(g, normalise(y));
    const basis = normalise(normalise(y));
    return [basis, tf.matMul(g, basis) as tf.Tensor2D];
  });
  g.dispose();
  // T = Qᵀ G Q in float64 from the two float32 factors, then its eigenpairs.
  const t = crossProduct(q.dataSync(), gq.dataSync(), f, l);
  gq.dispose();
  // Its k largest eigenpairs.
  const { sigma, columns } = largestFirst(eigh64(t, l, { largest: k }), k);
  const v = tf.tidy(() => tf.matMul(q, tf.tensor2d(columns, [l, k])) as tf.Tensor2D);
  q.dispose();
  return { values: sigma, v };
}
