import * as tf from '@tensorflow/tfjs-core';
import { plainIsCheaper } from './matmul_kernel';

/**
 * `_FusedMatMul` (`tf.fused.matMul`: activation(op(a) · op(b) + bias)) for the wasm backend. wasm fuses the
 * bias and activation into XNNPACK's product only in the plain form; with a transpose flag or a batch it
 * runs the scalar loop of `matmul_kernel.ts`, and a right operand it has not seen is packed anew: a dense
 * layer's forward pass during training, where the weights change every step, took 95 ms against 30 ms
 * unfused on 64 × 3136 · 3136 × 1024. tfjs runs this kernel under a gradient tape for linear activations
 * (it unfuses the others), so it decides a training step's speed as much as inference's.
 *
 * Where the plain form is the cheaper (see `plainIsCheaper`) the backend's fused kernel runs; elsewhere
 * the product goes to the BatchMatMul kernel (core's, when installed) and bias and activation follow as ops.
 */

type Activate = (y: tf.Tensor, attrs: tf.NamedAttrMap, prelu?: tf.Tensor) => tf.Tensor;

/** The activations wasm fuses, as ops. */
const ACTIVATIONS: Record<string, Activate> = {
  linear: (y) => y,
  relu: (y) => tf.relu(y),
  relu6: (y) => tf.relu6(y),
  elu: (y) => tf.elu(y),
  sigmoid: (y) => tf.sigmoid(y),
  leakyrelu: (y, attrs) => tf.leakyRelu(y, (attrs.leakyreluAlpha as number | undefined) ?? 0.2),
  prelu: (y, _, weights) => tf.prelu(y, weights!),
};

const batchSize = (t: tf.Tensor) => t.shape.slice(0, -2).reduce((p, d) => p * d, 1);
const matrix = (t: tf.Tensor) => t.shape.slice(-2) as [number, number];

/** The `_FusedMatMul` kernel around the backend's own (`original`). */
export function fastFusedMatMul(original: tf.KernelFunc): tf.KernelFunc {
  // As in `matmul_kernel.ts`: a right operand met a second time is taken to be a weight that lives on.
  const rightOperands = new WeakSet<object>();
  return (args) => {
    const { inputs, attrs = {} } = args;
    const { a, b, bias, preluActivationWeights } = inputs as Record<string, tf.Tensor | undefined>;
    const activate = ACTIVATIONS[attrs.activation as string];
    const [transposeA, transposeB] = [attrs.transposeA === true, attrs.transposeB === true];
    // Other dtypes, biases and activations: the backend's kernel (which reports what it does not support).
    if (
      !a ||
      !b ||
      a.dtype !== 'float32' ||
      b.dtype !== 'float32' ||
      (bias && bias.rank !== 1) ||
      !activate
    ) {
      return original(args);
    }
    if (!transposeA && !transposeB && batchSize(a) === 1 && batchSize(b) === 1) {
      const cached = rightOperands.has(b.dataId);
      rightOperands.add(b.dataId);
      if (plainIsCheaper(matrix(a), false, matrix(b), false, cached)) return original(args);
    }
    return tf.tidy(() => {
      const product = tf.matMul(a, b, transposeA, transposeB);
      return activate(bias ? tf.add(product, bias) : product, attrs, preluActivationWeights);
    });
  };
}
