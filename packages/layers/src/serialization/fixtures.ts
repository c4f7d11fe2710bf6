import { Rng } from '@cnn/core';
import type * as tf from '@tensorflow/tfjs-core';
import { initializers } from '../initializers';
import { Activation, ELU, LeakyReLU, ReLU, Softmax } from '../layers/activation';
import { BatchNormalization } from '../layers/batch_normalization';
import { Conv2D } from '../layers/conv2d';
import { Dense } from '../layers/dense';
import { DropPath, StochasticDepth } from '../layers/drop_path';
import { Dropout } from '../layers/dropout';
import { FractionalMaxPooling2D } from '../layers/fractional_max_pooling';
import { LocalResponseNormalization } from '../layers/lrn';
import { Maxout } from '../layers/maxout';
import { Add, Average, Concatenate } from '../layers/merge';
import {
  AveragePooling2D,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  MaxPooling2D,
} from '../layers/pooling';
import { Flatten, Reshape, ZeroPadding2D } from '../layers/reshape';
import { input, Model, Sequential } from '../model';
import { l1l2, l2 } from '../regularizers';

/**
 * Test models for the serialization tests: small, and between them made of every layer class there is.
 * This one is a Sequential on [8, 8, 4] images: grouped and dilated convolution, explicit padding, batch
 * normalisation, LRN, every kind of pooling but the global ones, maxout, dropout, dense layers.
 *
 * @example
 * ```ts
 * const net = randomized(sequentialNet(), 1);
 * ```
 */
export function sequentialNet(): Sequential {
  return new Sequential(
    [
      new Conv2D({
        filters: 4,
        kernelSize: 3,
        groups: 2,
        dilationRate: 2,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: 'heNormal',
        kernelRegularizer: l2(1e-4),
        biasInitializer: initializers.constant(0.1),
      }),
      new BatchNormalization({ momentum: 0.9 }),
      new LocalResponseNormalization({ depthRadius: 1 }),
      new MaxPooling2D({ poolSize: 2 }),
      new ZeroPadding2D({
        padding: [
          [1, 0],
          [0, 1],
        ],
      }),
      new AveragePooling2D({ poolSize: 2, strides: 1, padding: 'same' }),
      new Conv2D({ filters: 6, kernelSize: [2, 3], strides: 2, padding: 1, useBias: false }),
      new Maxout({ pieces: 2 }),
      new ELU({ alpha: 0.5 }),
      new Dropout({ rate: 0.3 }),
      new Flatten(),
      new Dense({
        units: 5,
        activation: 'tanh',
        kernelInitializer: 'lecunNormal',
        kernelRegularizer: l1l2(1e-5, 1e-4),
      }),
      new Dense({ units: 3, activation: 'softmax' }),
    ],
    { inputShape: [8, 8, 4], name: 'seq' },
  );
}

/**
 * A functional model with two [6, 6, 3] inputs and two outputs, a convolution shared by both inputs, every
 * merge (add, average, concatenate, drop-path, stochastic depth), the activation layers, fractional and
 * global pooling, and a reshape.
 *
 * @example
 * ```ts
 * const net = randomized(functionalNet(), 2);
 * ```
 */
export function functionalNet(): Model {
  const a = input({ shape: [6, 6, 3], name: 'a' });
  const b = input({ shape: [6, 6, 3], name: 'b' });
  const shared = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', name: 'shared' });
  const sa = shared.apply(a);
  const sb = shared.apply(b);
  const relu = new ReLU({ maxValue: 6, name: 'relu6' }).apply(sa);
  const leaky = new LeakyReLU({ alpha: 0.1, name: 'leaky' }).apply(sb);
  const sum = new Add({ name: 'sum' }).apply([relu, leaky]);
  const mean = new Average({ name: 'mean' }).apply([sa, sb]);
  const cat = new Concatenate({ name: 'cat' }).apply([sum, mean]);
  const join = new DropPath({ rate: 0.2, name: 'join' }).apply([sum, mean]);
  const deep = new StochasticDepth({ survivalProbability: 0.8, name: 'deep' }).apply([join, sa]);
  const normed = new BatchNormalization({ name: 'bn', epsilon: 1e-2 }).apply(deep);
  const frac = new FractionalMaxPooling2D({ poolingRatio: 1.5, overlapping: true, name: 'frac' }).apply(cat);
  const pooled = new MaxPooling2D({ poolSize: 3, strides: 2, padding: 1, name: 'pool' }).apply(normed);
  const avg = new AveragePooling2D({ poolSize: 2, name: 'avg' }).apply(frac);
  const gap = new GlobalAveragePooling2D({ name: 'gap' }).apply(avg);
  const gmp = new GlobalMaxPooling2D({ name: 'gmp' }).apply(pooled);
  const logits = new Dense({ units: 3, name: 'logits' }).apply(
    new Concatenate({ name: 'features' }).apply([gap, gmp]),
  );
  const probs = new Softmax({ axis: -1, name: 'probs' }).apply(logits);
  const grid = new Activation({ activation: 'sigmoid', name: 'grid' }).apply(
    new Reshape({ targetShape: [2, -1], name: 'reshape' }).apply(gap),
  );
  // The shared convolution a third time, on a mix of both: its node 2 feeds an output.
  const again = shared.apply(new Add({ name: 'mix' }).apply([a, b]));
  return new Model({ inputs: [a, b], outputs: [probs, grid, again], name: 'two_towers' });
}

/**
 * Gives every weight (moving statistics too) seeded random values in [0.5, 1.5) or [−1, 1), so that
 * round trips are checked on values no initialiser would make.
 *
 * @example
 * ```ts
 * randomized(net, 3);
 * ```
 */
export function randomized<M extends Model>(model: M, seed: number): M {
  const rng = new Rng(seed);
  for (const w of model.weights) {
    const positive = w.name.endsWith('variance');
    const value = rng.randomUniform([...w.variable.shape], positive ? 0.5 : -1, positive ? 1.5 : 1);
    w.variable.assign(value);
    value.dispose();
  }
  return model;
}

/**
 * Seeded random inputs for a model, one per input, batch of `n`.
 *
 * @example
 * ```ts
 * const xs = inputsFor(net, 2, 0);
 * ```
 */
export function inputsFor(model: Model, n: number, seed: number): tf.Tensor[] {
  const rng = new Rng(seed);
  return model.inputs.map((x) => rng.randomUniform([n, ...(x.shape.slice(1) as number[])], -1, 1));
}

/**
 * Each weight's float32 bits, by name: equal arrays mean bit-for-bit equal weights.
 *
 * @example
 * ```ts
 * expect(weightBits(loaded)).toEqual(weightBits(net));
 * ```
 */
export function weightBits(model: Model): Record<string, number[]> {
  return Object.fromEntries(
    model.weights.map((w) => [
      w.name,
      Array.from(new Uint32Array(Float32Array.from(w.variable.dataSync()).buffer)),
    ]),
  );
}
