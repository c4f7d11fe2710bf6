import * as tf from '@tensorflow/tfjs-core';

/**
 * A penalty on a weight, added to the training loss. Those made by {@link l1}, {@link l2} and {@link l1l2}
 * carry `keras`, their Keras class and config, so that a model using them can be saved.
 */
export type Regularizer = ((weight: tf.Tensor) => tf.Scalar) & {
  readonly keras?: { className: string; config: Record<string, unknown> };
};

/** Tags a penalty with Keras' L1L2 config (what saving a model writes). */
const keras = (fn: Regularizer, l1Lambda: number, l2Lambda: number): Regularizer =>
  Object.assign(fn, { keras: { className: 'L1L2', config: { l1: l1Lambda, l2: l2Lambda } } });

/**
 * L1 and L2 penalties (seed 003: "weight decay"): `l2(λ)` adds λ·Σw², `l1(λ)` λ·Σ|w|, `l1l2` both.
 *
 * @example
 * ```ts
 * new Dense({ units: 10, kernelRegularizer: l2(5e-4) });
 * ```
 */
export const l1 = (lambda = 0.01): Regularizer => keras((w) => tf.mul(lambda, tf.sum(tf.abs(w))), lambda, 0);

export const l2 = (lambda = 0.01): Regularizer =>
  keras((w) => tf.mul(lambda, tf.sum(tf.square(w))), 0, lambda);

export const l1l2 = (l1Lambda = 0.01, l2Lambda = 0.01): Regularizer =>
  keras((w) => tf.add(l1(l1Lambda)(w), l2(l2Lambda)(w)), l1Lambda, l2Lambda);
