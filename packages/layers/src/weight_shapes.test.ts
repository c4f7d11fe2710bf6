import { expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { LayerError } from './errors';
import { BatchNormalization } from './layers/batch_normalization';
import { Conv2D } from './layers/conv2d';
import { Dense } from './layers/dense';
import { GlobalAveragePooling2D } from './layers/pooling';
import { input, Model } from './model';
import { summarize } from './summary';

/** A graph with every kind of weight: grouped and bias-free convolutions, BN without γ, a frozen layer, a nested model. */
function graph(build: boolean, seed = 5): Model {
  const x = input({ shape: [9, 9, 4], name: 'x' });
  let h = new Conv2D({ filters: 6, kernelSize: 3, groups: 2, name: 'grouped' }).apply(x);
  h = new Conv2D({ filters: 5, kernelSize: 1, useBias: false, name: 'no_bias' }).apply(h);
  h = new BatchNormalization({ scale: false, name: 'bn' }).apply(h);
  h = new Dense({ units: 3, name: 'frozen', trainable: false }).apply(h); // rank 4: per position
  const innerIn = input({ shape: [7, 7, 3], name: 'inner_in' });
  const inner = new Model({
    name: 'inner',
    inputs: innerIn,
    outputs: new Dense({ units: 2, name: 'inner_dense' }).apply(new GlobalAveragePooling2D().apply(innerIn)),
    build,
    seed: 1,
  });
  return new Model({ inputs: x, outputs: inner.apply(h), build, seed });
}

const bits = (model: Model) =>
  model.weights.map((w) => [w.name, Array.from(new Uint32Array(w.variable.dataSync().slice().buffer))]);

describe('weightShapes and build: false', () => {
  it('lists exactly the weights building makes: names, shapes, trainable', () => {
    const built = graph(true);
    const listed = built.weightShapes();
    expect(listed.map((w) => w.name)).toEqual(built.weights.map((w) => w.name));
    expect(listed.map((w) => w.shape)).toEqual(built.weights.map((w) => w.variable.shape));
    expect(listed.filter((w) => w.trainable).map((w) => w.name)).toEqual(
      built.trainableWeights.map((w) => w.name),
    );
    expect(listed.map((w) => w.name)).toEqual([
      'grouped/kernel',
      'grouped/bias',
      'no_bias/kernel',
      'bn/beta',
      'bn/moving_mean',
      'bn/moving_variance',
      'frozen/kernel',
      'frozen/bias',
      'inner_dense/kernel',
      'inner_dense/bias',
    ]);
    expect(listed[0]!.shape).toEqual([3, 3, 2, 6]); // 4 channels in 2 groups
    built.dispose();
  });

  it('counts and summarises a graph without allocating, then builds the same weights on demand', async () => {
    const eager = graph(true);
    const expected = summarize(eager);
    const before = tf.memory();
    const lazy = graph(false);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    expect(lazy.built).toBe(false);
    expect(lazy.weights).toEqual([]);
    // 4·6·… by hand: grouped 3·3·2·6 + 6, no_bias 6·5, bn 3·5, frozen 5·3 + 3, inner 3·2 + 2.
    expect(lazy.countParams()).toBe(108 + 6 + 30 + 15 + 18 + 8);
    expect(lazy.countParams()).toBe(eager.countParams());
    const summary = summarize(lazy);
    expect(summary).toEqual(expected);
    expect(summary.trainableParams).toBe(108 + 6 + 30 + 5 + 8);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    const zeros = tf.zeros([1, 9, 9, 4]);
    expect(() => lazy.run(zeros)).toThrow(LayerError);
    expect(() => lazy.run(zeros)).toThrow(/build: false.*buildWeights/);
    zeros.dispose();
    expect(lazy.buildWeights()).toBe(lazy);
    expect(lazy.built).toBe(true);
    expect(bits(lazy)).toEqual(bits(eager)); // the seed gives the same weights, built now or later
    expect(lazy.buildWeights(99).weights).toHaveLength(10); // a no-op once built
    await expectNoLeaks(() =>
      tf.tidy(() => {
        const x = tf.ones([2, 9, 9, 4]);
        expect(lazy.predict(x).arraySync()).toEqual(eager.predict(x).arraySync());
      }),
    );
    lazy.dispose();
    eager.dispose();
  });
});
