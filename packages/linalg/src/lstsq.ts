import * as tf from '@tensorflow/tfjs-core';
import { symmetricEigenvalues } from './eigh';
import {
  checkFinite,
  checkNumber,
  checkTensor,
  download,
  fromHost,
  LinalgErrorFor,
  withFloat32,
} from './matrix';
import { defaultRcond, invertAbove, type RcondOptions } from './pinv';
import { applyQTransposed, disposeFactor, householderQR, type QRFactor } from './qr';
import { matrixSVD } from './svd';
import { tallSingularValues } from './svd_core';
import { choleskySolve, solveUpper, solveUpperTransposed } from './triangular';

export interface LstsqOptions extends RcondOptions {
  /**
   * - `'auto'` (default): Householder QR when A has full column rank (judged by R's diagonal against
   *   `rcond`), else the minimum-norm solution through the SVD;
   * - `'qr'`: QR only (the minimum-norm solution through the QR of Aᵀ when m < n); throws if A is
   *   rank-deficient;
   * - `'svd'`: always the SVD, numpy's choice;
   * - `'normal'`: the normal equations AᵀA x = Aᵀb, solved by Cholesky in float64: fastest (one product
   *   AᵀA), but the error grows with cond(A)² instead of cond(A) — fine for well-conditioned A.
   */
  method?: 'auto' | 'qr' | 'svd' | 'normal';
}

export interface LstsqResult {
  /** The solution, n or n×k like b. */
  x: tf.Tensor;
  /**
   * Squared 2-norms of the residual columns ‖b − A x‖², shape [k] (or [1] for a vector b); empty when
   * rank < n or m ≤ n, as numpy.
   */
  residuals: tf.Tensor1D;
  /** The numerical rank of A (n on the QR and normal paths, which need full column rank). */
  rank: number;
  /**
   * Singular values of A, descending, length min(m, n), on every path:
   * - SVD path: those of the SVD it solves with;
   * - QR path: those of the small triangular factor (σ(A) = σ(R) since Q has orthonormal columns), by a
   *   values-only SVD of the min(m, n)-square R — O(min(m, n)³) on top of the QR's O(m·n²), so a small share
   *   when m ≫ n (about as much again as the QR when m ≈ n);
   * - normal path: the square roots of the eigenvalues of the float32 Gram matrix AᵀA it forms (negative
   *   ones clamped to 0) — exact to about ε·σ₁²/σᵢ relative, so the small σᵢ of ill-conditioned A lose
   *   digits there, as the solution does.
   */
  s: tf.Tensor1D;
}

/**
 * The least-squares solution of A x ≈ b (numpy.linalg.lstsq): the x minimising ‖A x − b‖₂, and among those
 * the one of least norm (seed 000: rank-deficient problems are solved in the row space, through the SVD).
 * `a` is m×n; `b` a vector of length m or an m×k matrix of right-hand sides. The caller disposes x,
 * residuals and s.
 *
 * @example
 * ```ts
 * // fit y = c0 + c1 t to three points
 * const a = tf.tensor2d([[1, 0], [1, 1], [1, 2]]);
 * const { x, residuals } = lstsq(a, tf.tensor1d([1, 3, 4]));
 * x.print();   // [1.167, 1.5]
 * ```
 */
export function lstsq(a: tf.Tensor, b: tf.Tensor, options: LstsqOptions = {}): LstsqResult {
  checkTensor('lstsq', 'a', a);
  checkTensor('lstsq', 'b', b, 1);
  checkFinite('lstsq', 'a', a);
  checkFinite('lstsq', 'b', b);
  if (a.rank !== 2) throw LinalgErrorFor('lstsq', `a must be a matrix, got shape [${a.shape.join(', ')}]`);
  const [m, n] = a.shape as [number, number];
  if (b.shape[0] !== m || b.rank > 2) {
    throw LinalgErrorFor(
      'lstsq',
      `b must be a vector of length ${m} or an ${m}×k matrix (a is ${m}×${n}), got shape [${b.shape.join(', ')}]`,
    );
  }
  if (m === 0 || n === 0) throw LinalgErrorFor('lstsq', `a must not be empty, got shape [${m}, ${n}]`);
  const method = options.method ?? 'auto';
  if (!['auto', 'qr', 'svd', 'normal'].includes(method)) {
    throw LinalgErrorFor('lstsq', `method must be 'auto', 'qr', 'svd' or 'normal', got '${String(method)}'`);
  }
  const rcond = options.rcond ?? defaultRcond(m, n);
  checkNumber('lstsq', 'rcond', rcond, { min: 0 });
  return withFloat32(a, (af) =>
    withFloat32(b, (bf) => {
      const a2 = af as tf.Tensor2D;
      const b2 = (bf.rank === 1 ? tf.expandDims(bf, 1) : bf) as tf.Tensor2D;
      try {
        const r =
          method === 'normal'
            ? normalEquations(a2, b2)
            : method === 'svd' || (method === 'auto' && m < n)
              ? viaSVD(a2, b2, rcond)
              : viaQR(a2, b2, rcond, method === 'qr');
        if (bf.rank === 1) {
          const x = tf.squeeze(r.x, [1]);
          r.x.dispose();
          return { ...r, x };
        }
        return r;
      } finally {
        if (b2 !== bf) b2.dispose();
      }
    }),
  );
}

/** ‖b − A x‖² per column, as numpy reports it: only for full column rank and m > n. */
function residualsOf(a: tf.Tensor2D, b: tf.Tensor2D, x: tf.Tensor2D, report: boolean): tf.Tensor1D {
  if (!report) return tf.tensor1d([]);
  return tf.tidy(() => tf.sum(tf.square(tf.sub(b, tf.matMul(a, x))), 0) as tf.Tensor1D);
}

function viaSVD(a: tf.Tensor2D, b: tf.Tensor2D, rcond: number): LstsqResult {
  const [m, n] = a.shape;
  const { u, s, v } = matrixSVD(a, false);
  const inv = invertAbove(s.dataSync() as Float32Array, rcond);
  const rank = inv.filter((x) => x > 0).length;
  const x = tf.tidy(() =>
    tf.matMul(tf.mul(v, tf.tensor2d(inv, [1, inv.length])), tf.matMul(u, b, true, false)),
  ) as tf.Tensor2D;
  tf.dispose([u, v]);
  return { x, residuals: residualsOf(a, b, x, rank === n && m > n), rank, s };
}

function viaQR(a: tf.Tensor2D, b: tf.Tensor2D, rcond: number, strict: boolean): LstsqResult {
  const [m, n] = a.shape;
  const tall = m >= n;
  // Tall: factor [A | b] — b rides along and comes out as Qᵀb in R's last columns, so no reflector is kept
  // or applied afterwards. Wide: Aᵀ = QR, and Q is applied to the solution of Rᵀ y = b.
  const target = (tall ? tf.concat([a, b], 1) : tf.transpose(a)) as tf.Tensor2D;
  const f = householderQR(target, !tall, tall ? n : m);
  target.dispose();
  try {
    const k = Math.min(m, n);
    let largest = 0;
    for (let j = 0; j < k; j++) largest = Math.max(largest, Math.abs(f.r[j * f.n + j]!));
    const deficient = Array.from({ length: k }, (_, j) => Math.abs(f.r[j * f.n + j]!)).some(
      (d) => !(d > rcond * largest),
    );
    if (deficient) {
      if (strict) {
        throw LinalgErrorFor(
          'lstsq',
          "method 'qr' needs a matrix of full rank; this one is rank-deficient (use 'svd')",
        );
      }
      return viaSVD(a, b, rcond);
    }
    const x = tall ? solveTall(f, n, b.shape[1]) : solveWide(f, b);
    return { x, residuals: residualsOf(a, b, x, tall && m > n), rank: k, s: triangularSingularValues(f, k) };
  } finally {
    disposeFactor(f);
  }
}

/** m ≥ n, [A | b] = Q [R | Qᵀb]: x = R⁻¹ (Qᵀ b)[0:n]. */
function solveTall(f: QRFactor, n: number, k: number): tf.Tensor2D {
  const stride = f.n;
  const r = new Float64Array(n * n);
  const qtb = new Float64Array(k * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) r[i * n + j] = f.r[i * stride + j]!;
    for (let c = 0; c < k; c++) qtb[c * n + i] = f.r[i * stride + n + c]!;
  }
  return tf.tensor2d(solveUpper(r, n, qtb, k), [n, k]);
}

/** m < n, Aᵀ = Q R: the minimum-norm x = Q (Rᵀ)⁻¹ b. */
function solveWide(f: QRFactor, b: tf.Tensor2D): tf.Tensor2D {
  const { m: n, n: m } = f;
  const k = b.shape[1];
  const y = solveUpperTransposed(f.r, m, Float64Array.from(download(() => tf.transpose(b))), k);
  return tf.tidy(() => {
    const padded = tf.concat([tf.tensor2d(y, [k, m]), tf.zeros([k, n - m])], 1) as tf.Tensor2D;
    return tf.transpose(applyQTransposed(f, padded, false));
  });
}

function normalEquations(a: tf.Tensor2D, b: tf.Tensor2D): LstsqResult {
  const [m, n] = a.shape;
  const k = b.shape[1];
  const gramTensor = tf.matMul(a, a, true, false) as tf.Tensor2D;
  const gram = Float64Array.from(gramTensor.dataSync());
  let values: Float64Array;
  try {
    values = symmetricEigenvalues(gramTensor);
  } finally {
    gramTensor.dispose();
  }
  const rhs = Float64Array.from(download(() => tf.matMul(b, a, true, false)));
  const solution = choleskySolve(gram, n, rhs, k);
  if (solution === undefined) {
    throw LinalgErrorFor(
      'lstsq',
      "method 'normal' needs AᵀA positive definite (A of full column rank, not too ill-conditioned); use 'svd'",
    );
  }
  const x = tf.tensor2d(solution, [k, n]);
  const xt = tf.transpose(x) as tf.Tensor2D;
  x.dispose();
  const s = Float32Array.from(values.reverse(), (lambda) => Math.sqrt(Math.max(0, lambda)));
  return { x: xt, residuals: residualsOf(a, b, xt, m > n), rank: n, s: tf.tensor1d(s) };
}

/** σ(A) = σ(R) for A = QR (or Aᵀ = QR): a values-only SVD of the k×k triangular factor. */
function triangularSingularValues(f: QRFactor, k: number): tf.Tensor1D {
  const r = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = i; j < k; j++) r[i * k + j] = f.r[i * f.n + j]!;
  const rt = fromHost(r, k, k);
  try {
    return tf.tensor1d(Float32Array.from(tallSingularValues(rt)));
  } finally {
    rt.dispose();
  }
}
