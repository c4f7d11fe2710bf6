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

/** The functions {@link withActivation} has put in place of named activations (the innermost scope's). */
const overrides = new Map<ActivationName, ActivationFn>();

/** `'leaky_relu'` → `'leakyRelu'`; throws for a name not in the table. */
function activationKey(value: string): ActivationName {
  const key = value.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  // Own keys only: `'toString' in activations` is true.
  if (!Object.hasOwn(activations, key))
    throw new LayerError(`unknown activation '${value}'; known: ${Object.keys(activations).join(', ')}`);
  return key as ActivationName;
}

/**
 * Resolves an activation given by name (`'relu'`, `'leaky_relu'`) or as a function. A name resolves to a
 * function that looks the name up at each call, so {@link withActivation} reaches layers built earlier.
 */
export function activation(value: ActivationName | ActivationFn | undefined): ActivationFn {
  if (typeof value === 'function') return value;
  const key = activationKey(value ?? 'linear');
  return (x) => (overrides.get(key) ?? activations[key])(x);
}

/**
 * Whether `value` is ReLU by name with no {@link withActivation} scope replacing it: a layer may then add
 * its bias and apply ReLU in one fused step (`biasRelu` of @cnn/core), the same function.
 */
export const isPlainRelu = (value: ActivationName | ActivationFn | undefined): boolean =>
  value === 'relu' && !overrides.has('relu');

/** A value that is not a promise: {@link withActivation}'s body must finish before it returns. */
export type NotPromise<T> = T extends PromiseLike<unknown> ? never : T;

/**
 * Runs `body` with the activation `name` replaced by `fn` in every layer that uses it by name (the
 * `activation: 'relu'` option of Conv2D and Dense, `Activation`, and the `ReLU` layer), then puts the
 * previous function back, also when `body` throws. Scopes nest; the innermost wins. Configs and saved
 * models still say `name`. Calling `activations[name]` directly is not affected.
 *
 * This is the gradient override of deconvnets and guided backprop: `fn` computes the same forward
 * values and, built with `tf.customGrad`, a different gradient. Run the forward pass and the gradient
 * (`tf.grad`, `tf.grads`) inside `body`. The override is global while `body` runs, so `body` must be
 * synchronous: an async body would leave other code seeing the override while it awaits, and its own
 * code after an `await` not seeing it. A `body` that returns a promise throws a {@link LayerError}.
 *
 * @example
 * ```ts
 * // Guided backprop (Springenberg et al. 2015): a gradient passes where both input and gradient are > 0.
 * const guided = tf.customGrad((x, save) => {
 *   save([x]);
 *   return { value: tf.relu(x), gradFunc: (dy, [s]) => tf.mul(tf.relu(dy), tf.step(s)) };
 * });
 * const saliency = withActivation('relu', guided, () =>
 *   tf.grad((x) => tf.sum(tf.mul(net.predict(x), oneHot)))(image),
 * );
 * ```
 */
export function withActivation<T>(
  name: ActivationName,
  fn: ActivationFn,
  body: () => NotPromise<T>,
): NotPromise<T> {
  const key = activationKey(name);
  const previous = overrides.get(key);
  overrides.set(key, fn);
  let result: NotPromise<T>;
  try {
    result = body();
  } finally {
    if (previous) overrides.set(key, previous);
    else overrides.delete(key);
  }
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    // The caller never sees this promise: keep its rejection from going unhandled.
    (result as unknown as PromiseLike<unknown>).then(undefined, () => {});
    throw new LayerError(
      `withActivation('${name}'): body returned a promise; it must be synchronous (the override ended ` +
        'when body returned, before the promise settled)',
    );
  }
  return result;
}
