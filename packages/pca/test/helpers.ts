// Float64 references for the PCA tests: data with a chosen covariance, its sample covariance and a cyclic
// Jacobi eigensolver, written here independently of @cnn/linalg.
import type { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';

export interface Data {
  /** Row-major [n, f], float64. */
  values: Float64Array;
  n: number;
  f: number;
  /** The same samples as a float32 tensor [n, f] (values rounded to float32 first). */
  tensor: tf.Tensor2D;
}

/** A random f×f orthogonal matrix (Gram–Schmidt of a Gaussian one), row-major. */
function orthogonal(rng: Rng, f: number): Float64Array {
  const q = Float64Array.from({ length: f * f }, () => rng.normal());
  for (let j = 0; j < f; j++) {
    for (let i = 0; i < j; i++) {
      let dot = 0;
      for (let r = 0; r < f; r++) dot += q[r * f + i]! * q[r * f + j]!;
      for (let r = 0; r < f; r++) q[r * f + j]! -= dot * q[r * f + i]!;
    }
    let norm = 0;
    for (let r = 0; r < f; r++) norm += q[r * f + j]! ** 2;
    for (let r = 0; r < f; r++) q[r * f + j]! /= Math.sqrt(norm);
  }
  return q;
}

/**
 * n samples with population standard deviations `scales` along random orthogonal axes, shifted by a mean
 * of size `offset`. Values are rounded to float32 so the tensor and the float64 copy hold the same data.
 */
export function correlated(rng: Rng, n: number, scales: number[], offset = 3): Data {
  const f = scales.length;
  const q = orthogonal(rng, f);
  const mean = Array.from({ length: f }, () => rng.normal() * offset);
  const values = new Float64Array(n * f);
  for (let s = 0; s < n; s++) {
    const z = scales.map((scale) => rng.normal() * scale);
    for (let j = 0; j < f; j++) {
      let x = mean[j]!;
      for (let i = 0; i < f; i++) x += q[j * f + i]! * z[i]!;
      values[s * f + j] = Math.fround(x);
    }
  }
  return { values, n, f, tensor: tf.tensor2d(Float32Array.from(values), [n, f]) };
}

/** Column means of row-major [n, f]. */
export function columnMeans(values: Float64Array, n: number, f: number): Float64Array {
  const mean = new Float64Array(f);
  for (let s = 0; s < n; s++) for (let j = 0; j < f; j++) mean[j]! += values[s * f + j]! / n;
  return mean;
}

/** The sample covariance (ddof 1) of row-major [n, f], f×f row-major. */
export function covariance(values: Float64Array, n: number, f: number, center = true): Float64Array {
  const mean = center ? columnMeans(values, n, f) : new Float64Array(f);
  const c = new Float64Array(f * f);
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < f; i++) {
      const di = values[s * f + i]! - mean[i]!;
      for (let j = 0; j < f; j++) c[i * f + j]! += (di * (values[s * f + j]! - mean[j]!)) / (n - 1);
    }
  }
  return c;
}

/** Eigenvalues (descending) and eigenvectors (columns of row-major f×f) of a symmetric matrix, by cyclic Jacobi. */
export function jacobiEigen(matrix: Float64Array, f: number): { values: number[]; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(f * f);
  for (let i = 0; i < f; i++) v[i * f + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < f; p++) for (let q = p + 1; q < f; q++) off += a[p * f + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < f; p++) {
      for (let q = p + 1; q < f; q++) {
        const apq = a[p * f + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * f + q]! - a[p * f + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < f; k++) {
          const akp = a[k * f + p]!;
          const akq = a[k * f + q]!;
          a[k * f + p] = c * akp - s * akq;
          a[k * f + q] = s * akp + c * akq;
        }
        for (let k = 0; k < f; k++) {
          const apk = a[p * f + k]!;
          const aqk = a[q * f + k]!;
          a[p * f + k] = c * apk - s * aqk;
          a[q * f + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < f; k++) {
          const vkp = v[k * f + p]!;
          const vkq = v[k * f + q]!;
          v[k * f + p] = c * vkp - s * vkq;
          v[k * f + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: f }, (_, i) => i).sort((i, j) => a[j * f + j]! - a[i * f + i]!);
  const vectors = new Float64Array(f * f);
  for (const [to, from] of order.entries())
    for (let k = 0; k < f; k++) vectors[k * f + to] = v[k * f + from]!;
  return { values: order.map((i) => a[i * f + i]!), vectors };
}

/** The eigen-reference of the samples: covariance eigenvalues (descending) and eigenvectors (columns). */
export function reference(data: Data, center = true) {
  return jacobiEigen(covariance(data.values, data.n, data.f, center), data.f);
}

/** max over components i of 1 − |⟨component i, reference eigenvector i⟩|: 0 when equal up to sign. */
export function axisError(components: tf.Tensor2D, vectors: Float64Array, f: number): number {
  const c = components.arraySync();
  let worst = 0;
  for (const [i, row] of c.entries()) {
    let dot = 0;
    for (let k = 0; k < f; k++) dot += row[k]! * vectors[k * f + i]!;
    worst = Math.max(worst, 1 - Math.abs(dot));
  }
  return worst;
}

/** max |a − b| / max |b| over two lists. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

/** Largest |entry| of a tensor. */
export const maxAbs = (x: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(x)).dataSync()[0]!);
