import type { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { LayerError } from './errors';

/**
 * Makes a weight's first value. Those made by {@link initializers} and {@link varianceScaling} carry
 * `keras`, their Keras class and config, so that a model using them can be saved.
 */
export type Initializer = ((shape: number[], rng: Rng) => tf.Tensor) & {
  readonly keras?: { className: string; config: Record<string, unknown> };
};

/** Tags an initialiser with its Keras class and config (what saving a model writes). */
const keras = (className: string, config: Record<string, unknown>, fn: Initializer): Initializer =>
  Object.assign(fn, { keras: { className, config } });

/** Fan-in and fan-out of a weight as Keras counts them: dense `[in, out]`, conv `[h, w, in, out]`. */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length < 2) return [shape[0] ?? 1, shape[0] ?? 1];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape.at(-2)! * receptive, shape.at(-1)! * receptive];
}

/**
 * The initialisers of the seeds, by name: Glorot (Xavier) and He uniform and normal, the truncated
 * normal of the TensorFlow listings, zeros, ones and constants. Normal variants draw from a normal
 * truncated at two standard deviations, with Keras' correction of the variance (÷ 0.8796).
 *
 * @example
 * ```ts
 * const w = initializers.heNormal()([5, 5, 1, 32], new Rng(0));
 * ```
 */
export const initializers = {
  zeros: (): Initializer => keras('Zeros', {}, (shape) => tf.zeros(shape)),
  ones: (): Initializer => keras('Ones', {}, (shape) => tf.ones(shape)),
  constant: (value: number): Initializer => keras('Constant', { value }, (shape) => tf.fill(shape, value)),
  truncatedNormal: (stdDev = 0.05, mean = 0): Initializer =>
    keras('TruncatedNormal', { mean, stddev: stdDev, seed: null }, (shape, rng) =>
      rng.truncatedNormal(shape, mean, stdDev),
    ),
  randomNormal: (stdDev = 0.05, mean = 0): Initializer =>
    keras('RandomNormal', { mean, stddev: stdDev, seed: null }, (shape, rng) =>
      rng.randomNormal(shape, mean, stdDev),
    ),
  randomUniform: (min = -0.05, max = 0.05): Initializer =>
    keras('RandomUniform', { minval: min, maxval: max, seed: null }, (shape, rng) =>
      rng.randomUniform(shape, min, max),
    ),
  glorotUniform: (): Initializer => varianceScaling(1, 'fanAvg', 'uniform'),
  glorotNormal: (): Initializer => varianceScaling(1, 'fanAvg', 'normal'),
  heUniform: (): Initializer => varianceScaling(2, 'fanIn', 'uniform'),
  heNormal: (): Initializer => varianceScaling(2, 'fanIn', 'normal'),
  lecunNormal: (): Initializer => varianceScaling(1, 'fanIn', 'normal'),
} as const;

/** An initialiser's name (Keras' snake or camel case both work) or the function itself. */
export type InitializerLike = keyof typeof initializers | Initializer;

/** Keras' VarianceScaling: variance `scale / n` with n the fan-in, fan-out or their mean. */
export function varianceScaling(
  scale: number,
  mode: 'fanIn' | 'fanOut' | 'fanAvg',
  distribution: 'normal' | 'uniform',
): Initializer {
  // Keras' names; its 'truncated_normal' is this normal, truncated at 2σ with the variance corrected.
  const config = {
    scale,
    mode: { fanIn: 'fan_in', fanOut: 'fan_out', fanAvg: 'fan_avg' }[mode],
    distribution: distribution === 'normal' ? 'truncated_normal' : 'uniform',
    seed: null,
  };
  return keras('VarianceScaling', config, (shape, rng) => {
    const [fanIn, fanOut] = fans(shape);
    const n = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const variance = scale / Math.max(1, n);
    if (distribution === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      return rng.randomUniform(shape, -limit, limit);
    }
    // A normal truncated at ±2σ has 0.8796² of the variance: widen it to keep `variance`.
    return rng.truncatedNormal(shape, 0, Math.sqrt(variance) / 0.87962566103423978);
  });
}

/** Resolves an initialiser given by name (`'heNormal'`, `'he_normal'`) or as a function. */
export function initializer(value: InitializerLike): Initializer {
  if (typeof value === 'function') return value;
  const key = value.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof typeof initializers;
  const make = initializers[key];
  if (!make || key === 'constant') {
    throw new LayerError(
      `unknown initialiser '${value}'; known: ${Object.keys(initializers)
        .filter((k) => k !== 'constant')
        .join(', ')}, or a function`,
    );
  }
  return (make as () => Initializer)();
}
