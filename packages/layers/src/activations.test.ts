import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { type ActivationFn, activation, withActivation } from './activations';
import { LayerError } from './errors';
import type { Layer } from './layer';
import { Activation, ReLU } from './layers/activation';
import { Conv2D } from './layers/conv2d';
import { Dense } from './layers/dense';
import { Flatten } from './layers/reshape';
import { Sequential } from './model';
import { toJSON } from './serialization/topology';

/** ReLU forward with the gradient `rule(dy, x)`, as @cnn/visualize will build them. */
const reluWithGradient = (rule: (dy: tf.Tensor, x: tf.Tensor) => tf.Tensor) =>
  tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return { value: tf.relu(x), gradFunc: (dy: tf.Tensor, [s]: tf.Tensor[]) => rule(dy, s!) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as ActivationFn;

// Guided backprop passes a gradient where both input and gradient are positive; the deconvnet where the
// gradient is, whatever the input (Springenberg et al. 2015, Zeiler & Fergus 2014).
const guided = reluWithGradient((dy, x) => tf.mul(tf.relu(dy), tf.step(x)));
const deconv = reluWithGradient((dy) => tf.relu(dy));

const rng = new Rng(7);
const x = rng.randomNormal([2, 6, 6, 2]);
const kernel = rng.randomNormal([3, 3, 2, 3], 0, 0.5);
const bias = rng.randomNormal([3], 0, 0.3);
const dense = rng.randomNormal([108, 4], 0, 0.3);
const projection = rng.randomNormal([1, 4]);
afterAll(() => tf.dispose([x, kernel, bias, dense, projection]));

/** conv (3×3, same) → ReLU, given three ways → flatten → dense, with the weights above. */
function net(relu: 'option' | 'ReLU layer' | 'Activation layer'): Sequential {
  const conv = new Conv2D({
    filters: 3,
    kernelSize: 3,
    padding: 'same',
    activation: relu === 'option' ? 'relu' : 'linear',
  });
  const layers: Layer[] = [conv];
  if (relu === 'ReLU layer') layers.push(new ReLU());
  if (relu === 'Activation layer') layers.push(new Activation({ activation: 'relu' }));
  const fc = new Dense({ units: 4 });
  const model = new Sequential([...layers, new Flatten(), fc], { inputShape: [6, 6, 2] });
  conv.kernel.assign(kernel);
  conv.bias!.assign(bias);
  fc.kernel.assign(dense);
  return model;
}

/** d/dx of Σ projection ⊙ net(x), through whatever ReLU is in force. */
const inputGradient = (model: Sequential) =>
  tf.grad((t: tf.Tensor) => tf.sum(tf.mul(model.predict(t), projection)))(x);

/**
 * The same gradient by the chain rule written out, with no layer and no customGrad: the gradient at the
 * ReLU's output is projection·Wᵀ; `rule` turns it into the gradient at its input; conv2dTranspose carries
 * that back through the convolution.
 */
function reference(rule: 'plain' | 'guided' | 'deconv'): tf.Tensor {
  return tf.tidy(() => {
    const pre = tf.add(tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, 1, 'same'), bias);
    const dh = tf.reshape(tf.tile(tf.matMul(projection, dense, false, true), [2, 1]), pre.shape);
    const g =
      rule === 'deconv' ? tf.relu(dh) : tf.mul(dh, tf.mul(tf.step(pre), rule === 'guided' ? tf.step(dh) : 1));
    return tf.conv2dTranspose(g as tf.Tensor4D, kernel as tf.Tensor4D, [2, 6, 6, 2], 1, 'same');
  });
}

function expectClose(actual: tf.Tensor, expected: tf.Tensor): void {
  const scale = tf.max(tf.abs(expected)).dataSync()[0]!;
  expect(scale).toBeGreaterThan(0.1);
  expect(tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]!).toBeLessThan(1e-5 * scale);
}

const maxDifference = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;

describe('withActivation', () => {
  it.each(['option', 'ReLU layer', 'Activation layer'] as const)(
    'replaces relu given as the %s: guided and deconvnet gradients match the written-out chain rule',
    async (relu) => {
      const model = net(relu);
      const plain = inputGradient(model);
      const expected = {
        plain: reference('plain'),
        guided: reference('guided'),
        deconv: reference('deconv'),
      };
      expectClose(plain, expected.plain);
      const g = await expectNoLeaks(() => withActivation('relu', guided, () => inputGradient(model)));
      expectClose(g, expected.guided);
      expect(maxDifference(g, plain)).toBeGreaterThan(0.1);
      const d = withActivation('relu', deconv, () => inputGradient(model));
      expectClose(d, expected.deconv);
      expect(maxDifference(d, g)).toBeGreaterThan(0.1);
      // The forward pass is ReLU's either way.
      const [y, yGuided] = [model.predict(x), withActivation('relu', guided, () => model.predict(x))];
      expect(yGuided.dataSync()).toEqual(y.dataSync());
      tf.dispose([plain, g, d, y, yGuided, ...Object.values(expected)]);
      model.dispose();
    },
  );

  it('restores the previous function after the body, after a throw, and after a nested scope', () => {
    const model = net('option');
    const plain = inputGradient(model);
    const doubled = (t: tf.Tensor) => tf.mul(tf.relu(t), 2);
    const boom = new Error('boom');
    expect(() =>
      withActivation('relu', guided, () => {
        throw boom;
      }),
    ).toThrow(boom);
    const nested = withActivation('relu', doubled, () => {
      const inner = withActivation('relu', guided, () => inputGradient(model));
      return [inner, inputGradient(model)];
    });
    const guidedOnly = withActivation('relu', guided, () => inputGradient(model));
    expect(maxDifference(nested[0]!, guidedOnly)).toBe(0);
    // Outside the inner scope the doubled relu is back: twice the plain gradient.
    const twice = tf.mul(plain, 2);
    expectClose(nested[1]!, twice);
    const after = inputGradient(model);
    expect(maxDifference(after, plain)).toBe(0);
    tf.dispose([plain, guidedOnly, twice, after, ...nested]);
    model.dispose();
  });

  it('refuses an async body, restoring the override first', async () => {
    const model = net('ReLU layer');
    const plain = inputGradient(model);
    // @ts-expect-error: the types refuse a body that returns a promise, too.
    expect(() => withActivation('relu', guided, async () => 1)).toThrow(
      /body returned a promise; it must be synchronous/,
    );
    const after = inputGradient(model);
    expect(maxDifference(after, plain)).toBe(0);
    tf.dispose([plain, after]);
    model.dispose();
  });

  it("leaves configs and saved topologies saying 'relu'", () => {
    const model = net('option');
    const saved = () => {
      const layers = (
        toJSON(model).config as { layers: { class_name: string; config: Record<string, unknown> }[] }
      ).layers;
      return layers.map((l) => [l.class_name, l.config.activation]);
    };
    const outside = saved();
    expect(outside[0]).toEqual(['Conv2D', 'relu']);
    expect(withActivation('relu', guided, saved)).toEqual(outside);
    expect(withActivation('relu', guided, () => model.layers[1]!.getConfig().activation)).toBe('relu');
    model.dispose();
    const layer = new Activation({ activation: 'relu' });
    expect(withActivation('relu', guided, () => layer.getConfig().activation)).toBe('relu');
  });

  it('takes Keras and camel-case names, and rejects unknown ones', () => {
    const t = tf.tensor1d([-1, 2]);
    const leaky = activation('leaky_relu' as 'leakyRelu');
    const y = withActivation(
      'leakyRelu',
      (v) => tf.mul(v, 10),
      () => leaky(t),
    );
    expect(Array.from(y.dataSync())).toEqual([-10, 20]);
    expect(() => withActivation('nope' as 'relu', guided, () => 0)).toThrow(LayerError);
    expect(() => activation('toString' as 'relu')).toThrow(/unknown activation 'toString'/);
    tf.dispose([t, y]);
  });
});
