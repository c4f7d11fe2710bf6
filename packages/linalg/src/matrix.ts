import * as tf from '@tensorflow/tfjs-core';
import { LinalgError } from './errors';

/**
 * Shared plumbing: argument checks, the batch loop over leading axes, and moving matrices between tensors
 * and the Float64Array (row-major) in which the small sequential steps run.
 */

/** A dense row-major float64 matrix in JavaScript. */
export interface HostMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** Throws unless `x` is a float32 tensor of rank ≥ `minRank` with no zero-size matrix axes when `nonEmpty`. */
export function checkTensor(fn: string, name: string, x: unknown, minRank = 2): asserts x is tf.Tensor {
  if (!(x instanceof tf.Tensor)) {
    throw new LinalgError(`${fn}: ${name} must be a tf.Tensor, got ${x === null ? 'null' : typeof x}`);
  }
  if (x.rank < minRank) {
    throw new LinalgError(
      `${fn}: ${name} must have rank ≥ ${minRank} (${minRank === 2 ? 'a matrix or a batch of them' : 'a vector or more'}), got shape [${x.shape.join(', ')}]`,
    );
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new LinalgError(`${fn}: ${name} must be float32 (or int32), got ${x.dtype}`);
  }
}

/**
 * Throws unless every entry of `x` is finite. The iterative decompositions (the tridiagonal QL of eigh, svd)
 * cannot converge on NaN or ±Infinity, and a matrix holding them has no decomposition to return: numpy
 * raises LinAlgError alike. One host pass, small beside the decomposition itself.
 */
export function checkFinite(fn: string, name: string, x: tf.Tensor): void {
  const data = x.dataSync();
  for (let i = 0; i < data.length; i++) {
    const value = data[i]!;
    if (Number.isFinite(value)) continue;
    const index: number[] = [];
    let rest = i;
    for (let axis = x.rank - 1; axis >= 0; axis--) {
      index.unshift(rest % x.shape[axis]!);
      rest = Math.floor(rest / x.shape[axis]!);
    }
    throw new LinalgError(`${fn}: ${name} must hold finite numbers, got ${value} at [${index.join(', ')}]`);
  }
}

/** Throws unless `value` is a finite number within [min, max] (an integer when `integer`). */
export function checkNumber(
  fn: string,
  name: string,
  value: number,
  { min = -Infinity, max = Infinity, integer = false } = {},
): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new LinalgError(`${fn}: ${name} must be a number in [${min}, ${max}], got ${String(value)}`);
  }
  if (integer && !Number.isInteger(value)) {
    throw new LinalgError(`${fn}: ${name} must be an integer, got ${value}`);
  }
}

/**
 * Runs `fn` on each matrix of a batch `[..., m, n]` and stacks what it returns along the same leading
 * axes. `fn` gets a rank-2 tensor and returns a record of tensors; the batch's results are stacked per key.
 */
export function mapMatrices<R extends Record<string, tf.Tensor>>(x: tf.Tensor, fn: (a: tf.Tensor2D) => R): R {
  if (x.rank === 2) return fn(x as tf.Tensor2D);
  const lead = x.shape.slice(0, -2);
  const [m, n] = x.shape.slice(-2) as [number, number];
  const count = lead.reduce((p, d) => p * d, 1);
  if (count === 0) {
    throw new LinalgError(`a batch of matrices must not be empty, got shape [${x.shape.join(', ')}]`);
  }
  const flat = tf.reshape(x, [count, m, n]);
  const parts = tf.unstack(flat) as tf.Tensor2D[];
  flat.dispose();
  const results: R[] = [];
  for (const part of parts) {
    results.push(fn(part));
    part.dispose();
  }
  const first = results[0]!;
  const out: Record<string, tf.Tensor> = {};
  for (const key of Object.keys(first)) {
    const items = results.map((r) => r[key]!);
    out[key] = tf.tidy(() => {
      const stacked = tf.stack(items);
      return tf.reshape(stacked, [...lead, ...items[0]!.shape]);
    });
    tf.dispose(items);
  }
  return out as R;
}

/** Downloads a rank-2 tensor into a float64 host matrix (synchronously: cpu and wasm read in place). */
export function toHost(x: tf.Tensor2D): HostMatrix {
  const [rows, cols] = x.shape;
  return { rows, cols, data: Float64Array.from(x.dataSync()) };
}

/** Uploads a float64 host matrix (or a row-major slice of one) as a float32 tensor. */
export function fromHost(data: Float64Array | Float32Array, rows: number, cols: number): tf.Tensor2D {
  return tf.tensor2d(data instanceof Float32Array ? data : Float32Array.from(data), [rows, cols], 'float32');
}

/** The transpose of a row-major host matrix. */
export function transposeHost(a: HostMatrix): HostMatrix {
  const { rows, cols, data } = a;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j]!;
  }
  return { rows: cols, cols: rows, data: out };
}

/** float32's machine epsilon: the unit of every tolerance here, since the tensors are float32. */
export const EPS32 = 2 ** -23;

/** Runs `fn` on `a` as float32 (cast when int32), disposing the cast copy afterwards. */
export function withFloat32<R>(a: tf.Tensor, fn: (x: tf.Tensor) => R): R {
  if (a.dtype === 'float32') return fn(a);
  const x = tf.cast(a, 'float32');
  try {
    return fn(x);
  } finally {
    x.dispose();
  }
}

/** A {@link LinalgError} whose message starts with the function's name. */
export function LinalgErrorFor(fn: string, message: string): LinalgError {
  return new LinalgError(`${fn}: ${message}`);
}

/**
 * Runs `fn` in a tidy scope and reads the tensor it returns back to the host, disposing it. (Returning a
 * typed array from `tf.tidy` itself would make tfjs walk every element looking for tensors.)
 */
export function download(fn: () => tf.Tensor): Float32Array {
  const t = tf.tidy(fn);
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}
