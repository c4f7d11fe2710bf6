import { expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gradientCheck } from '../gradient_check';
import { BatchNormalization } from './batch_normalization';

const GAMMA = [1.5, 0.5, -2];
const BETA = [0.1, -0.3, 2];
const fixed = (values: number[]) => () => tf.tensor1d(values);

/** A batch [n, 2, 2, 3] of uneven values, different per seed. */
function batch(seed: number, n = 2): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(tf.randomNormal([n, 2, 2, 3], 0, 1, 'float32', seed), 2), seed % 3));
}

/** Per-channel (last axis) biased mean and variance in plain JS. */
function stats(values: ArrayLike<number>, channels: number): { mean: number[]; variance: number[] } {
  const count = values.length / channels;
  const mean = new Array<number>(channels).fill(0);
  const variance = new Array<number>(channels).fill(0);
  for (let i = 0; i < values.length; i++) mean[i % channels]! += values[i]! / count;
  for (let i = 0; i < values.length; i++)
    variance[i % channels]! += (values[i]! - mean[i % channels]!) ** 2 / count;
  return { mean, variance };
}

function normalizeReference(
  values: ArrayLike<number>,
  mean: number[],
  variance: number[],
  eps: number,
): number[] {
  return Array.from(values, (v, i) => {
    const c = i % 3;
    return ((v - mean[c]!) / Math.sqrt(variance[c]! + eps)) * GAMMA[c]! + BETA[c]!;
  });
}

const makeLayer = (momentum = 0.9) =>
  new BatchNormalization({ momentum, gammaInitializer: fixed(GAMMA), betaInitializer: fixed(BETA) });

function expectClose(actual: ArrayLike<number>, expected: number[], digits = 4): void {
  expect(actual.length).toBe(expected.length);
  Array.from(actual).forEach((a, i) => {
    expect(a).toBeCloseTo(expected[i]!, digits);
  });
}

describe('BatchNormalization', () => {
  it('normalises with the batch statistics in training, checked against a loop', async () => {
    const layer = makeLayer();
    const x = batch(1);
    layer.apply(x).dispose(); // builds the weights outside the leak check
    const y = await expectNoLeaks(() => layer.apply(x, { training: true }));
    expect(layer.computeOutputShape([[null, 2, 2, 3]])).toEqual([null, ...y.shape.slice(1)]);
    const { mean, variance } = stats(x.dataSync(), 3);
    expectClose(y.dataSync(), normalizeReference(x.dataSync(), mean, variance, 1e-3));
    tf.dispose([x, y]);
  });

  it('moves its statistics as a JS recomputation says, and inference uses them', async () => {
    const layer = makeLayer(0.8);
    let movingMean = [0, 0, 0];
    let movingVariance = [1, 1, 1];
    const first = batch(0);
    layer.apply(first).dispose();
    first.dispose();
    for (const seed of [3, 4, 5]) {
      const x = batch(seed, 3);
      const { mean, variance } = stats(x.dataSync(), 3);
      movingMean = movingMean.map((m, c) => m * 0.8 + mean[c]! * 0.2);
      movingVariance = movingVariance.map((v, c) => v * 0.8 + variance[c]! * 0.2);
      (await expectNoLeaks(() => layer.apply(x, { training: true }))).dispose();
      x.dispose();
    }
    expectClose(layer.movingMean.dataSync(), movingMean, 5);
    expectClose(layer.movingVariance.dataSync(), movingVariance, 5);

    const x = batch(6);
    const before = Array.from(layer.movingMean.dataSync());
    const y = await expectNoLeaks(() => layer.apply(x));
    expectClose(y.dataSync(), normalizeReference(x.dataSync(), movingMean, movingVariance, 1e-3));
    expect(Array.from(layer.movingMean.dataSync())).toEqual(before); // inference leaves them alone
    tf.dispose([x, y]);
  });

  it('has Keras weights: gamma, beta trainable; moving_mean, moving_variance not', () => {
    const layer = new BatchNormalization({ name: 'bn' });
    const x = batch(0);
    layer.apply(x).dispose();
    expect(layer.weights.map((w) => [w.name, w.trainable, w.variable.shape])).toEqual([
      ['bn/gamma', true, [3]],
      ['bn/beta', true, [3]],
      ['bn/moving_mean', false, [3]],
      ['bn/moving_variance', false, [3]],
    ]);
    expect(layer.trainableWeights.map((w) => w.name)).toEqual(['bn/gamma', 'bn/beta']);
    const without = new BatchNormalization({ center: false, scale: false });
    without.apply(x).dispose();
    expect(without.weights.map((w) => w.name.split('/')[1])).toEqual(['moving_mean', 'moving_variance']);
    x.dispose();
  });

  it('passes the gradient check through the batch statistics (training) and the moving ones', () => {
    const x = batch(7);
    const training = makeLayer();
    const result = gradientCheck(training, [x], { call: { training: true }, samples: 16 });
    expect(result.entries.map((e) => e.name)).toEqual([
      'input 0',
      `${training.name}/gamma`,
      `${training.name}/beta`,
    ]);
    expect(result.maxRelativeError).toBeLessThan(1e-2);
    const inference = makeLayer();
    expect(gradientCheck(inference, [x], { samples: 16 }).maxRelativeError).toBeLessThan(1e-2);
    const bare = new BatchNormalization({ center: false, scale: false });
    expect(gradientCheck(bare, [x], { call: { training: true } }).maxRelativeError).toBeLessThan(1e-2);
    x.dispose();
  });

  it('frees everything a training-mode gradient makes', async () => {
    const layer = makeLayer();
    const x = batch(8);
    layer.apply(x).dispose();
    const grads = await expectNoLeaks(() =>
      tf.variableGrads(() => tf.sum(tf.square(layer.call([x], { training: true }))) as tf.Scalar),
    );
    expect(Object.keys(grads.grads)).toHaveLength(2); // gamma and beta; moving statistics are not trainable
    tf.dispose([grads.value, ...Object.values(grads.grads), x]);
  });

  it('normalises another axis (channels first): values and gradient', async () => {
    const layer = new BatchNormalization({ axis: 1, momentum: 0.5 });
    const x = tf.tidy(() => tf.transpose(batch(9), [0, 3, 1, 2])); // [2, 3, 2, 2]
    layer.apply(x).dispose();
    const y = await expectNoLeaks(() => layer.apply(x, { training: true }));
    const nhwc = tf.transpose(x, [0, 2, 3, 1]);
    const { mean, variance } = stats(nhwc.dataSync(), 3);
    const expected = tf.tidy(() => {
      const out = Array.from(
        nhwc.dataSync(),
        (v, i) => (v - mean[i % 3]!) / Math.sqrt(variance[i % 3]! + 1e-3),
      );
      return tf.transpose(tf.tensor(out, nhwc.shape), [0, 3, 1, 2]);
    });
    expectClose(y.dataSync(), Array.from(expected.dataSync()));
    expectClose(
      layer.movingMean.dataSync(),
      mean.map((m) => m * 0.5),
      5,
    );
    expect(gradientCheck(layer, [x], { call: { training: true } }).maxRelativeError).toBeLessThan(1e-2);
    expect(gradientCheck(layer, [x]).maxRelativeError).toBeLessThan(1e-2);
    tf.dispose([x, y, nhwc, expected]);
  });

  it('runs in inference mode when frozen, as Keras does', () => {
    const layer = makeLayer();
    const x = batch(2);
    layer.trainable = false;
    const y = layer.apply(x, { training: true });
    expectClose(y.dataSync(), normalizeReference(x.dataSync(), [0, 0, 0], [1, 1, 1], 1e-3));
    expect(Array.from(layer.movingMean.dataSync())).toEqual([0, 0, 0]);
    tf.dispose([x, y]);
  });

  it('names the layer and the shape when the axis does not fit', () => {
    expect(() => new BatchNormalization({ name: 'b', axis: 0 }).computeOutputShape([[null, 4]])).toThrow(
      'b: axis 0 is not a channel axis of its input [null, 4] (the batch axis 0 is not one)',
    );
    expect(() => new BatchNormalization({ name: 'b' }).computeOutputShape([[null, 5, null]])).toThrow(
      'b: axis -1 of its input [null, 5, null] must have a known size',
    );
    const layer = new BatchNormalization({ name: 'b2' });
    const x = batch(0);
    layer.apply(x).dispose();
    expect(() => layer.computeOutputShape([[null, 2, 2, 5]])).toThrow(
      'b2: was built for 3 channels, got an input [null, 2, 2, 5] with 5',
    );
    expect(() => new BatchNormalization({ momentum: 2 })).toThrow(/momentum must be in \[0, 1\]/);
    expect(layer.getConfig()).toMatchObject({
      axis: -1,
      momentum: 0.99,
      epsilon: 1e-3,
      center: true,
      scale: true,
    });
    x.dispose();
  });
});
