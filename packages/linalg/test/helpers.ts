import type { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { type Host, host } from './reference';

/** A Gaussian m×n matrix as a tensor and as its exact float64 copy (the float32 values). */
export function gaussian(rng: Rng, m: number, n: number): { a: tf.Tensor2D; ref: Host } {
  const a = rng.randomNormal([m, n]) as tf.Tensor2D;
  return { a, ref: host(m, n, a.dataSync()) };
}

/** An m×k float64 matrix with orthonormal columns (modified Gram–Schmidt, twice, of Gaussian columns). */
function orthonormal(rng: Rng, m: number, k: number): Float64Array[] {
  const cols: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const c = new Float64Array(m);
    for (let i = 0; i < m; i++) c[i] = rng.normal();
    for (let pass = 0; pass < 2; pass++) {
      for (const q of cols) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += q[i]! * c[i]!;
        for (let i = 0; i < m; i++) c[i] = c[i]! - dot * q[i]!;
      }
    }
    const norm = Math.hypot(...c);
    for (let i = 0; i < m; i++) c[i] = c[i]! / norm;
    cols.push(c);
  }
  return cols;
}

/** U diag(sigma) Vᵀ for random orthonormal U (m×k) and V (n×k): a matrix with chosen singular values. */
export function withSingularValues(
  rng: Rng,
  m: number,
  n: number,
  sigma: number[],
): { a: tf.Tensor2D; ref: Host } {
  const k = sigma.length;
  const u = orthonormal(rng, m, k);
  const v = orthonormal(rng, n, k);
  const data = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += u[l]![i]! * sigma[l]! * v[l]![j]!;
      data[i * n + j] = s;
    }
  }
  return { a: tf.tensor2d(data, [m, n]), ref: host(m, n, data) };
}

/** k values spread geometrically from 1 down to 1/cond. */
export function geometric(k: number, cond: number): number[] {
  return Array.from({ length: k }, (_, i) => cond ** (-i / Math.max(1, k - 1)));
}

/** Frobenius norm of a tensor, as a number. */
export function frob(x: tf.Tensor): number {
  return tf.tidy(() => tf.norm(x).dataSync()[0]!);
}

/** ‖XᵀX − I‖_max for a matrix with (supposedly) orthonormal columns. */
export function orthogonalityError(x: tf.Tensor): number {
  return tf.tidy(() => {
    const x2 = x as tf.Tensor2D;
    const g = tf.matMul(x2, x2, true, false);
    return tf.max(tf.abs(tf.sub(g, tf.eye(x2.shape[1])))).dataSync()[0]!;
  });
}

/** ‖A − U diag(s) Vᵀ‖_F / ‖A‖_F. */
export function reconstructionError(a: tf.Tensor, u: tf.Tensor, s: tf.Tensor, v: tf.Tensor): number {
  return tf.tidy(() => {
    const k = s.shape[s.shape.length - 1]!;
    const uk = tf.slice(u, Array(u.rank).fill(0), [...u.shape.slice(0, -1), k]);
    const vk = tf.slice(v, Array(v.rank).fill(0), [...v.shape.slice(0, -1), k]);
    const us = tf.mul(uk, tf.expandDims(s, -2));
    const back = tf.matMul(us, vk, false, true);
    const norm = tf.norm(a).dataSync()[0]!;
    return tf.norm(tf.sub(a, back)).dataSync()[0]! / (norm || 1);
  });
}

/** max_i |s_i − ref_i| / ref_0: singular values against a float64 reference, relative to ‖A‖₂. */
export function singularValueError(s: tf.Tensor, ref: Float64Array): number {
  const got = s.dataSync();
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i]! - ref[i]!));
  return worst / (ref[0] || 1);
}
