import * as tf from '@tensorflow/tfjs-core';
import { checkNComponents, defaultPowerIters, resolveSolver, type Solver } from './components';
import { PcaError } from './errors';
import { fitComponents } from './fit';
import { incrementalStep } from './incremental';
import { checkFeatures, shapeText, toMatrix } from './input';
import { type PcaJSON, readJSON, writeJSON } from './serialization';
import { disposeState, type PcaState } from './state';

/** Options of {@link PCA}. */
export interface PCAOptions {
  /**
   * Components to keep: an integer in [1, min(n, features)], or a fraction in (0, 1) of the variance to
   * keep (the smallest k whose explained-variance ratios sum to more than it; full solver only). Default:
   * all, min(n, features).
   */
  nComponents?: number;
  /**
   * `'full'` exact SVD of the centred data; `'covariance_eigh'` eigendecomposition of its covariance
   * (features × features: fast when n ≫ features, but float32 loses eigenvalues below ~1e-6 of the
   * largest); `'randomized'` (Halko et al.); `'auto'` (default) by scikit-learn's rule. Tall sparse data
   * (images on a blank background) go through their float64 Gram matrix whatever the solver: exact as a
   * float32 SVD for `'full'` and `'covariance_eigh'`, the same range finder for `'randomized'` (README).
   */
  solver?: Solver;
  /**
   * Scale the projections to unit variance (divide by √explainedVariance). Default false. A component of
   * zero variance then gives non-finite coordinates, as in scikit-learn.
   */
  whiten?: boolean;
  /** Subtract the mean before the SVD (default true); false analyses the data about the origin. */
  center?: boolean;
  /** Randomized solver: seed of its Gaussian test matrix (default 0): same seed, same result. */
  seed?: number;
  /** Randomized solver: extra sample directions beyond k (default 10, as scikit-learn). */
  oversample?: number;
  /** Randomized solver: power iterations (default scikit-learn's: 7 if k < 10% of min(n, features), else 4). */
  powerIters?: number;
}

const SOLVERS: readonly Solver[] = ['full', 'covariance_eigh', 'randomized', 'auto'];

/**
 * Principal component analysis with scikit-learn's semantics: `fit` on samples [n, features] (or images
 * [n, h, w, c], flattened), then `transform` to the first k principal coordinates and `inverseTransform`
 * back. The attributes (`components`, `mean`, `explainedVariance`, …) are tensors owned by the model: read
 * them, do not dispose them; `dispose()` frees them. Deviation from scikit-learn: signs. Each component is
 * flipped so that its entry of largest magnitude is positive; compare with other libraries up to sign.
 *
 * @example
 * ```ts
 * const pca = new PCA({ nComponents: 2 }).fit(x);      // x: [n, features]
 * const z = pca.transform(x);                           // [n, 2]
 * pca.explainedVarianceRatio.print();
 * const back = pca.inverseTransform(z);                 // [n, features], the rank-2 reconstruction
 * pca.dispose();
 * ```
 */
export class PCA {
  /** The options as given (defaults filled in). */
  readonly options: Readonly<Required<Omit<PCAOptions, 'nComponents' | 'powerIters'>>> &
    Pick<PCAOptions, 'nComponents' | 'powerIters'>;
  #state: PcaState | undefined;

  /**
   * A model with these options, not yet fitted.
   *
   * @example
   * ```ts
   * const pca = new PCA({ nComponents: 0.95, solver: 'full', whiten: true });
   * ```
   */
  constructor(options: PCAOptions = {}) {
    const { solver = 'auto', whiten = false, center = true, seed = 0, oversample = 10 } = options;
    if (!SOLVERS.includes(solver)) {
      throw new PcaError(`PCA: solver must be one of ${SOLVERS.join(', ')}, got ${String(solver)}`);
    }
    checkNComponents('PCA', options.nComponents, solver, Infinity, Infinity);
    for (const [name, value] of [
      ['seed', seed],
      ['oversample', oversample],
      ['powerIters', options.powerIters ?? 0],
    ] as const) {
      if (!Number.isInteger(value) || value < 0) {
        throw new PcaError(`PCA: ${name} must be a non-negative integer, got ${String(value)}`);
      }
    }
    this.options = { ...options, solver, whiten, center, seed, oversample };
  }

  /**
   * Fits the components to `x` [n, features] (n ≥ 2), replacing any previous fit. Returns this.
   *
   * @example
   * ```ts
   * const pca = new PCA({ nComponents: 10, solver: 'randomized' }).fit(x);
   * ```
   */
  fit(x: tf.Tensor): this {
    const matrix = toMatrix('fit', x);
    try {
      const [n, features] = matrix.shape;
      if (n < 2)
        throw new PcaError(`fit: expected at least 2 samples, got ${n} (shape ${shapeText(x.shape)})`);
      const { nComponents, center, seed, oversample } = this.options;
      checkNComponents('fit', nComponents, this.options.solver, n, features);
      const solver = resolveSolver(this.options.solver, nComponents, n, features);
      const k = nComponents ?? Math.min(n, features);
      const state = fitComponents(matrix, {
        nComponents,
        solver,
        center,
        seed,
        oversample,
        powerIters: this.options.powerIters ?? defaultPowerIters(k, n, features),
        featureShape: x.shape.slice(1),
      });
      this.#replace(state);
      return this;
    } finally {
      matrix.dispose();
    }
  }

  /**
   * Updates the fit with one more batch of samples (incremental PCA, as scikit-learn's IncrementalPCA):
   * for data streamed in batches, larger than memory. The first batch needs at least `nComponents` samples;
   * `nComponents` must be an integer (default: the first batch's min(n, features)). After `fit` it goes on
   * from the fitted components. Returns this.
   *
   * @example
   * ```ts
   * const pca = new PCA({ nComponents: 20 });
   * for (const batch of batches) pca.partialFit(batch);   // each [b, features]
   * ```
   */
  partialFit(x: tf.Tensor): this {
    const previous = this.#state;
    if (previous !== undefined) checkFeatures('partialFit', x, this.nFeatures, previous.featureShape);
    const matrix = toMatrix('partialFit', x);
    try {
      const [b, features] = matrix.shape;
      const { nComponents, center } = this.options;
      if (nComponents !== undefined && !Number.isInteger(nComponents)) {
        throw new PcaError(
          `partialFit: nComponents must be an integer (a fraction of variance needs all the data at once), got ${nComponents}`,
        );
      }
      const k = nComponents ?? previous?.components.shape[0] ?? Math.min(b, features);
      if (previous === undefined) checkNComponents('partialFit', k, 'full', b, features);
      if (previous !== undefined && k > previous.components.shape[0] + b) {
        throw new PcaError(
          `partialFit: nComponents ${k} exceeds the ${previous.components.shape[0]} components kept plus this batch's ${b} samples`,
        );
      }
      const state = incrementalStep(previous, matrix, k, center, previous?.featureShape ?? x.shape.slice(1));
      this.#replace(state);
      return this;
    } finally {
      matrix.dispose();
    }
  }

  /**
   * The principal coordinates of `x` [n, features] (or images as fitted): (x − mean) · componentsᵀ,
   * divided by √explainedVariance when whitening. [n, k]; the caller disposes it.
   *
   * @example
   * ```ts
   * const z = pca.transform(tf.tensor2d([[1, 2, 3]]));   // [1, k]
   * ```
   */
  transform(x: tf.Tensor): tf.Tensor2D {
    const state = this.#fitted('transform');
    checkFeatures('transform', x, this.nFeatures, state.featureShape);
    const matrix = toMatrix('transform', x);
    return tf.tidy(() => {
      const z = tf.matMul(tf.sub(matrix, state.mean), state.components, false, true);
      matrix.dispose();
      return (this.options.whiten ? tf.div(z, tf.sqrt(state.explainedVariance)) : z) as tf.Tensor2D;
    });
  }

  /**
   * Fits to `x` and returns its principal coordinates, [n, k]; the caller disposes them.
   *
   * @example
   * ```ts
   * const z = new PCA({ nComponents: 2 }).fitTransform(x);
   * ```
   */
  fitTransform(x: tf.Tensor): tf.Tensor2D {
    return this.fit(x).transform(x);
  }

  /**
   * Samples back from principal coordinates `z` [n, k]: z · components + mean (z scaled by
   * √explainedVariance first when whitening), shaped as the fitted samples ([n, features] or
   * [n, h, w, c]). The caller disposes it.
   *
   * @example
   * ```ts
   * const approx = pca.inverseTransform(pca.transform(x));   // x projected on the k components
   * ```
   */
  inverseTransform(z: tf.Tensor): tf.Tensor {
    const state = this.#fitted('inverseTransform');
    const k = state.components.shape[0];
    if (!(z instanceof tf.Tensor) || z.rank !== 2 || z.shape[1] !== k) {
      const got = z instanceof tf.Tensor ? `shape ${shapeText(z.shape)}` : typeof z;
      throw new PcaError(`inverseTransform: expected coordinates [n, ${k}], got ${got}`);
    }
    return tf.tidy(() => {
      const scaled = this.options.whiten ? tf.mul(z, tf.sqrt(state.explainedVariance)) : z;
      const x = tf.add(tf.matMul(tf.cast(scaled, 'float32'), state.components), state.mean);
      return tf.reshape(x, [z.shape[0]!, ...state.featureShape]);
    });
  }

  /** Whether `fit` or `partialFit` has run (and `dispose` has not since). */
  get fitted(): boolean {
    return this.#state !== undefined;
  }
  /** Principal axes as rows, [k, features], orthonormal, by decreasing variance. Owned by the model. */
  get components(): tf.Tensor2D {
    return this.#fitted('components').components;
  }
  /** Per-feature mean of the samples, [features] (zeros with `center: false`). Owned by the model. */
  get mean(): tf.Tensor1D {
    return this.#fitted('mean').mean;
  }
  /** Variance of the samples along each component, [k]: singularValues² / (n − 1). Owned by the model. */
  get explainedVariance(): tf.Tensor1D {
    return this.#fitted('explainedVariance').explainedVariance;
  }
  /** Fraction of the total variance along each component, [k]. Owned by the model. */
  get explainedVarianceRatio(): tf.Tensor1D {
    return this.#fitted('explainedVarianceRatio').explainedVarianceRatio;
  }
  /** Singular values of the centred samples, [k]. Owned by the model. */
  get singularValues(): tf.Tensor1D {
    return this.#fitted('singularValues').singularValues;
  }
  /** The mean variance of the discarded directions (probabilistic PCA's σ²); 0 when none is discarded. */
  get noiseVariance(): number {
    return this.#fitted('noiseVariance').noiseVariance;
  }
  /** Components kept, k (scikit-learn's `n_components_`): resolved from a fraction after fitting. */
  get nComponentsFitted(): number {
    return this.#fitted('nComponentsFitted').components.shape[0];
  }
  /** Features per sample as fitted. */
  get nFeatures(): number {
    return this.#fitted('nFeatures').components.shape[1];
  }
  /** Samples seen by `fit`, or summed over `partialFit` batches. */
  get nSamplesSeen(): number {
    return this.#fitted('nSamplesSeen').nSamplesSeen;
  }

  /**
   * The model as plain JSON (options and fitted values, float32 values as numbers), for
   * {@link PCA.fromJSON}. Reads the tensors back synchronously.
   *
   * @example
   * ```ts
   * const text = JSON.stringify(pca);                       // calls toJSON
   * const copy = PCA.fromJSON(JSON.parse(text));
   * ```
   */
  toJSON(): PcaJSON {
    return writeJSON(this.options, this.#fitted('toJSON'));
  }

  /**
   * A fitted model from {@link PCA.toJSON}'s output; throws a {@link PcaError} saying which field is
   * wrong on malformed input.
   *
   * @example
   * ```ts
   * const pca = PCA.fromJSON(JSON.parse(await readFile('pca.json', 'utf8')));
   * ```
   */
  static fromJSON(json: unknown): PCA {
    const { options, state } = readJSON(json);
    let pca: PCA;
    try {
      pca = new PCA(options);
    } catch (error) {
      disposeState(state);
      throw error instanceof PcaError ? new PcaError(`fromJSON: options: ${error.message}`) : error;
    }
    pca.#state = state;
    return pca;
  }

  /**
   * Frees the fitted tensors; the model is unfitted again.
   *
   * @example
   * ```ts
   * pca.dispose();
   * ```
   */
  dispose(): void {
    this.#replace(undefined);
  }

  #replace(state: PcaState | undefined): void {
    if (this.#state !== undefined && this.#state !== state) disposeState(this.#state);
    this.#state = state;
  }

  #fitted(what: string): PcaState {
    if (this.#state === undefined) {
      throw new PcaError(`${what}: the PCA is not fitted: call fit or partialFit first`);
    }
    return this.#state;
  }
}
