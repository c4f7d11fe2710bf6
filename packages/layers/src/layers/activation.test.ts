import { expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { withActivation } from '../activations';
import { gradientCheck } from '../gradient_check';
import type { Layer } from '../layer';
import { Activation, ELU, LeakyReLU, ReLU, Softmax } from './activation';

// Values away from 0 (and from ReLU6's 6): finite differences never straddle a kink.
const VALUES = [-2.5, -1.2, -0.4, 0.3, 0.9, 1.7, 2.6, 7.1, -0.7, 0.55, -3.1, 4.2];
const input = (scale = 1) =>
  tf.tensor(
    VALUES.map((v) => v * scale),
    [2, 2, 3],
  );

/** Applies the layer, checking the inferred shape against the output's and that nothing leaks. */
async function run(layer: Layer, x: tf.Tensor): Promise<number[]> {
  const y = await expectNoLeaks(() => layer.apply(x));
  expect(layer.computeOutputShape([[null, ...x.shape.slice(1)]])).toEqual([null, ...y.shape.slice(1)]);
  expect(y.shape).toEqual(x.shape);
  const values = Array.from(y.dataSync());
  y.dispose();
  return values;
}

function expectClose(actual: number[], expected: number[], tolerance = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    expect(a).toBeCloseTo(expected[i]!, -Math.log10(tolerance));
  });
}

// Saturating functions see smaller inputs: where their slope is ~1e-6, float32 differences are noise.
const elementwise: [string, () => Layer, (v: number) => number, number?][] = [
  ['Activation tanh', () => new Activation({ activation: 'tanh' }), Math.tanh, 0.3],
  ['Activation sigmoid', () => new Activation({ activation: 'sigmoid' }), (v) => 1 / (1 + Math.exp(-v)), 0.3],
  ['Activation of a function', () => new Activation({ activation: (x) => tf.mul(x, x) }), (v) => v * v],
  ['ReLU', () => new ReLU(), (v) => Math.max(0, v)],
  ['ReLU maxValue 6', () => new ReLU({ maxValue: 6 }), (v) => Math.min(6, Math.max(0, v))],
  ['LeakyReLU default α 0.3', () => new LeakyReLU(), (v) => (v > 0 ? v : 0.3 * v)],
  ['LeakyReLU α 0.1', () => new LeakyReLU({ alpha: 0.1 }), (v) => (v > 0 ? v : 0.1 * v)],
  ['ELU default α 1', () => new ELU(), (v) => (v > 0 ? v : Math.exp(v) - 1)],
  ['ELU α 0.5', () => new ELU({ alpha: 0.5 }), (v) => (v > 0 ? v : 0.5 * (Math.exp(v) - 1))],
];

describe('elementwise activations', () => {
  for (const [label, make, reference, scale = 1] of elementwise) {
    it(`${label}: values, shape, gradient, no leaks`, async () => {
      const layer = make();
      const x = input(scale);
      expectClose(
        await run(layer, x),
        VALUES.map((v) => reference(v * scale)),
      );
      expect(gradientCheck(layer, [x]).maxRelativeError).toBeLessThan(1e-2);
      x.dispose();
    });
  }

  it("runs the 'relu' activation looked up at call time, so withActivation reaches it", () => {
    const layer = new ReLU();
    const x = tf.tensor1d([-1, 2]);
    const doubled = (t: tf.Tensor) => tf.mul(tf.relu(t), 2);
    const y = withActivation('relu', doubled, () => layer.call([x]));
    expect(Array.from(y.dataSync())).toEqual([0, 4]);
    const plain = layer.call([x]);
    expect(Array.from(plain.dataSync())).toEqual([0, 2]);
    tf.dispose([x, y, plain]);
  });

  it('takes one input only, and names the layer when it gets more', () => {
    const layer = new ReLU({ name: 'relu_a' });
    expect(() =>
      layer.computeOutputShape([
        [null, 3],
        [null, 3],
      ]),
    ).toThrow('relu_a: takes 1 input, got 2');
  });

  it('rejects unknown names and a negative maxValue', () => {
    expect(() => new Activation({ activation: 'nope' as 'relu' })).toThrow(/unknown activation 'nope'/);
    expect(() => new ReLU({ maxValue: -1 })).toThrow(/maxValue must be a number ≥ 0/);
  });

  it('gives Keras configs', () => {
    expect(new Activation({ name: 'a', activation: 'tanh' }).getConfig()).toEqual({
      name: 'a',
      trainable: true,
      activation: 'tanh',
    });
    expect(new ReLU({ name: 'r', maxValue: 6 }).getConfig()).toEqual({
      name: 'r',
      trainable: true,
      maxValue: 6,
    });
    expect(new LeakyReLU({ name: 'l' }).getConfig()).toEqual({ name: 'l', trainable: true, alpha: 0.3 });
    expect(new ELU({ name: 'e', alpha: 2 }).getConfig()).toEqual({ name: 'e', trainable: true, alpha: 2 });
    expect(new Softmax({ name: 's', axis: 1 }).getConfig()).toEqual({ name: 's', trainable: true, axis: 1 });
    expect(new ReLU().className).toBe('ReLU');
  });
});

/** Softmax over `axis` of a [2, 2, 3] array, in plain loops. */
function softmaxReference(values: number[], axis: number): number[] {
  const shape = [2, 2, 3];
  const strides = [6, 3, 1];
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const coord = strides.map((s, k) => Math.floor(i / s) % shape[k]!);
    const along = Array.from({ length: shape[axis]! }, (_, j) => {
      const c = [...coord];
      c[axis] = j;
      return values[c.reduce((a, v, k) => a + v * strides[k]!, 0)]!;
    });
    const sum = along.reduce((a, v) => a + Math.exp(v), 0);
    out[i] = Math.exp(values[i]!) / sum;
  }
  return out;
}

describe('Softmax', () => {
  for (const axis of [-1, 1, 2]) {
    it(`axis ${axis}: values, shape, gradient, no leaks`, async () => {
      const layer = new Softmax({ axis });
      const x = input();
      expectClose(await run(layer, x), softmaxReference(VALUES, axis < 0 ? axis + 3 : axis));
      expect(gradientCheck(layer, [x]).maxRelativeError).toBeLessThan(1e-2);
      x.dispose();
    });
  }

  it('stays finite for large logits off the last axis', () => {
    const x = tf.tensor3d([[[1000], [1001]]]);
    const y = new Softmax({ axis: 1 }).apply(x);
    // float32 carries logSumExp ≈ 1001.3 to ~6e-5: compare at that precision.
    expectClose(Array.from(y.dataSync()), [1 / (1 + Math.E), Math.E / (1 + Math.E)], 1e-4);
    tf.dispose([x, y]);
  });

  it('rejects an axis beyond the rank, naming the layer', () => {
    expect(() => new Softmax({ name: 'sm', axis: 3 }).computeOutputShape([[null, 2, 3]])).toThrow(
      'sm: axis 3 is out of range for an input of rank 3',
    );
  });
});
