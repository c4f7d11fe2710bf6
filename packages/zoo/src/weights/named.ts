import type * as tf from '@tensorflow/tfjs-core';

/** One weight's values, host-side: its shape, dtype and values in row-major order. */
export interface WeightValue {
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
  readonly values: Float32Array | Int32Array;
}

/**
 * Weights by name, as a file holds them and before they meet a model: what every reader here returns and
 * every writer takes.
 *
 * @example
 * ```ts
 * const w: NamedWeights = new Map([['fc/bias', { shape: [2], dtype: 'float32', values: Float32Array.of(1, 2) }]]);
 * ```
 */
export type NamedWeights = Map<string, WeightValue>;

/** The number of elements of a shape. */
export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * A model's weights read back to the host by their names (`conv1/kernel`), to write them in a file.
 *
 * @example
 * ```ts
 * const { manifest, shards } = encodeWeightsManifest(await modelWeights(net));
 * ```
 */
export async function modelWeights(model: {
  readonly weights: readonly { name: string; variable: tf.Variable }[];
}): Promise<NamedWeights> {
  const out: NamedWeights = new Map();
  for (const w of model.weights) {
    const dtype = w.variable.dtype === 'int32' ? 'int32' : 'float32';
    const values = (await w.variable.data()) as Float32Array | Int32Array;
    out.set(w.name, { shape: [...w.variable.shape], dtype, values });
  }
  return out;
}
