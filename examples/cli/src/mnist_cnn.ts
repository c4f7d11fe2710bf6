import type { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The MNIST CNN of the seeds' TensorFlow listing (seed 000): conv 5×5×32 'same' + ReLU, max-pool 2×2,
 * conv 5×5×64 + ReLU, max-pool 2×2, fc 1024 + ReLU, fc 10; weights from a truncated normal (σ 0.1),
 * biases 0.1. Written with tfjs ops until @cnn/layers and @cnn/zoo provide it; the demo and the bench
 * share this one definition.
 */
export interface MnistCnn {
  readonly variables: tf.Variable[];
  /** Class scores `[batch, 10]` for images `[batch, 28, 28, 1]`. */
  logits(images: tf.Tensor4D): tf.Tensor2D;
  /** Mean softmax cross-entropy against integer labels. */
  loss(images: tf.Tensor4D, labels: tf.Tensor1D): tf.Scalar;
  dispose(): void;
}

export function mnistCnn(rng: Rng): MnistCnn {
  const weight = (shape: number[], name: string) =>
    tf.variable(rng.truncatedNormal(shape, 0, 0.1), true, name);
  const bias = (n: number, name: string) => tf.variable(tf.fill([n], 0.1), true, name);
  const w = {
    conv1: weight([5, 5, 1, 32], 'conv1/kernel'),
    b1: bias(32, 'conv1/bias'),
    conv2: weight([5, 5, 32, 64], 'conv2/kernel'),
    b2: bias(64, 'conv2/bias'),
    fc1: weight([7 * 7 * 64, 1024], 'fc1/kernel'),
    b3: bias(1024, 'fc1/bias'),
    fc2: weight([1024, 10], 'fc2/kernel'),
    b4: bias(10, 'fc2/bias'),
  };
  const convBlock = (x: tf.Tensor4D, kernel: tf.Tensor4D, b: tf.Tensor1D): tf.Tensor4D =>
    tf.maxPool(tf.relu(tf.add(tf.conv2d(x, kernel, 1, 'same'), b)) as tf.Tensor4D, 2, 2, 'same');

  const logits = (images: tf.Tensor4D): tf.Tensor2D =>
    tf.tidy(() => {
      const h1 = convBlock(images, w.conv1 as tf.Tensor4D, w.b1 as tf.Tensor1D);
      const h2 = convBlock(h1, w.conv2 as tf.Tensor4D, w.b2 as tf.Tensor1D);
      const h3 = tf.relu(tf.add(tf.matMul(tf.reshape(h2, [-1, 7 * 7 * 64]), w.fc1), w.b3));
      return tf.add(tf.matMul(h3 as tf.Tensor2D, w.fc2), w.b4);
    });

  return {
    variables: Object.values(w),
    logits,
    loss: (images, labels) =>
      tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 10), logits(images)) as tf.Scalar),
    dispose: () => tf.dispose(Object.values(w)),
  };
}

/** A batch of random images in [0, 1) and random labels: the demo's stand-in until real data lands. */
export function randomBatch(rng: Rng, size: number): { images: tf.Tensor4D; labels: tf.Tensor1D } {
  const labels = Int32Array.from({ length: size }, () => rng.int(10));
  return {
    images: rng.randomUniform([size, 28, 28, 1]) as tf.Tensor4D,
    labels: tf.tensor1d(labels, 'int32'),
  };
}
