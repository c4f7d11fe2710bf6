import { PcaError } from './errors';

/**
 * The solvers of {@link PCA}: the exact SVD, the eigendecomposition of the covariance matrix (fast for
 * many samples of few features), randomized (Halko et al.), or chosen from the data's shape.
 */
export type Solver = 'full' | 'covariance_eigh' | 'randomized' | 'auto';

/** A solver once `'auto'` is resolved. */
export type ResolvedSolver = Exclude<Solver, 'auto'>;

/**
 * Checks `nComponents` against data of `n` samples and `features` features: an integer in
 * [1, min(n, features)], or a fraction of variance in (0, 1) (full solver only), or `undefined` (all).
 *
 * @example
 * ```ts
 * checkNComponents('fit', 0.95, 'full', 100, 20); // ok
 * checkNComponents('fit', 30, 'full', 100, 20);   // PcaError: nComponents must be ≤ min(n, features) = 20, got 30
 * ```
 */
export function checkNComponents(
  fn: string,
  nComponents: number | undefined,
  solver: Solver,
  n: number,
  features: number,
): void {
  if (nComponents === undefined) return;
  const most = Math.min(n, features);
  if (typeof nComponents !== 'number' || !Number.isFinite(nComponents) || nComponents <= 0) {
    throw new PcaError(
      `${fn}: nComponents must be an integer in [1, ${most}] or a fraction of variance in (0, 1), got ${String(nComponents)}`,
    );
  }
  if (Number.isInteger(nComponents)) {
    if (nComponents > most) {
      throw new PcaError(
        `${fn}: nComponents must be ≤ min(n samples, features) = min(${n}, ${features}) = ${most}, got ${nComponents}`,
      );
    }
    return;
  }
  if (nComponents > 1) {
    throw new PcaError(`${fn}: nComponents above 1 must be an integer, got ${nComponents}`);
  }
  if (solver === 'randomized') {
    throw new PcaError(
      `${fn}: a fraction of variance (nComponents ${nComponents}) needs the full spectrum: solver 'full', 'covariance_eigh' or 'auto', got 'randomized'`,
    );
  }
}

/**
 * The solver `'auto'` stands for, by scikit-learn's rule (1.5 on): `'covariance_eigh'` for many samples
 * of few features (features ≤ 1000 and n ≥ 10·features); else `'full'` when the data is small
 * (max(n, features) ≤ 500) or when a fraction of variance or most components (≥ 80% of min(n, features))
 * are asked for; `'randomized'` otherwise.
 *
 * @example
 * ```ts
 * resolveSolver('auto', 50, 10000, 784); // 'covariance_eigh'
 * resolveSolver('auto', 50, 5000, 784);  // 'randomized'
 * ```
 */
export function resolveSolver(
  solver: Solver,
  nComponents: number | undefined,
  n: number,
  features: number,
): ResolvedSolver {
  if (solver !== 'auto') return solver;
  if (features <= 1000 && n >= 10 * features) return 'covariance_eigh';
  if (Math.max(n, features) <= 500) return 'full';
  if (
    nComponents !== undefined &&
    Number.isInteger(nComponents) &&
    nComponents < 0.8 * Math.min(n, features)
  ) {
    return 'randomized';
  }
  return 'full';
}

/**
 * The number of components that keeps more than `fraction` of the variance: the smallest k whose
 * cumulative explained-variance ratio exceeds it (scikit-learn's `searchsorted(cumsum, fraction,
 * side='right') + 1`), at most all of them.
 *
 * @example
 * ```ts
 * componentsForFraction([0.6, 0.3, 0.1], 0.8); // 2
 * ```
 */
export function componentsForFraction(ratios: ArrayLike<number>, fraction: number): number {
  let cumulative = 0;
  for (let i = 0; i < ratios.length; i++) {
    cumulative += ratios[i]!;
    if (cumulative > fraction) return i + 1;
  }
  return ratios.length;
}

/**
 * scikit-learn's default power iterations for the randomized solver: 7 when few components are kept
 * (k < 10% of min(n, features)), 4 otherwise.
 *
 * @example
 * ```ts
 * defaultPowerIters(50, 10000, 784); // 4
 * ```
 */
export function defaultPowerIters(k: number, n: number, features: number): number {
  return k < 0.1 * Math.min(n, features) ? 7 : 4;
}
