import * as tf from '@tensorflow/tfjs-core';
import { LayerError } from './errors';

/** An activation function of one tensor. */
export type ActivationFn = (x: tf.Tensor) => tf.Tensor;

/**
 * The activations of the seeds, by Keras' names: every layer's `activation` option takes one of these
 * names or a function. Parametrised ones (`leakyRelu`, `elu`) take their α from the layer that uses them.
 */
export const activations = {
  linear: (x: tf.Tensor) => x,
  relu: (x: tf.Tensor) => tf.relu(x),
  relu6: (x: tf.Tensor) => tf.relu6(x),
  sigmoid: (x: tf.Tensor) => tf.sigmoid(x),
  tanh: (x: tf.Tensor) => tf.tanh(x),
  softmax: (x: tf.Tensor) => tf.softmax(x),
  softplus: (x: tf.Tensor) => tf.softplus(x),
  selu: (x: tf.Tensor) => tf.selu(x),
  elu: (x: tf.Tensor) => tf.elu(x),
  leakyRelu: (x: tf.Tensor) => tf.leakyRelu(x, 0.3),
} as const satisfies Record<string, ActivationFn>;

export type ActivationName = keyof typeof activations;

/** Resolves an activation given by name (`'relu'`, `'leaky_relu'`) or as a function. */
export function activation(value: ActivationName | ActivationFn | undefined): ActivationFn {
  if (value === undefined) return activations.linear;
  if (typeof value === 'function') return value;
  const key = value.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) as ActivationName;
  const fn = activations[key];
  if (!fn)
    throw new LayerError(`unknown activation '${value}'; known: ${Object.keys(activations).join(', ')}`);
  return fn;
}
