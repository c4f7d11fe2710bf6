import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { LayerError } from '../errors';
import { type Initializer, initializer, initializers, varianceScaling } from '../initializers';
import { l1, l1l2, l2 } from '../regularizers';
import {
  activationFromKeras,
  activationToKeras,
  camelCase,
  initializerFromKeras,
  initializerToKeras,
  regularizerFromKeras,
  regularizerToKeras,
  snakeCase,
} from './keras';

const where = { layer: 'conv1', option: 'kernelInitializer' };

describe('Keras names', () => {
  it('converts option names between camelCase and snake_case', () => {
    const pairs = [
      ['kernelSize', 'kernel_size'],
      ['batchInputShape', 'batch_input_shape'],
      ['movingVarianceInitializer', 'moving_variance_initializer'],
      ['survivalProbability', 'survival_probability'],
      ['units', 'units'],
    ];
    for (const [camel, snake] of pairs) {
      expect(snakeCase(camel!)).toBe(snake);
      expect(camelCase(snake!)).toBe(camel);
    }
  });
});

describe('initialisers', () => {
  it('writes every named initialiser as an object Keras and tfjs-layers read, and reads it back', () => {
    for (const name of Object.keys(initializers).filter((n) => n !== 'constant')) {
      const object = initializerToKeras(name, where);
      expect(Object.keys(object)).toEqual(['class_name', 'config']);
      expect(initializerFromKeras(object, where)).toBe(name);
      expect(initializerToKeras(name.replace(/([A-Z])/g, '_$1').toLowerCase(), where)).toEqual(object);
    }
    expect(initializerToKeras('glorotUniform', where)).toEqual({
      class_name: 'GlorotUniform',
      config: { seed: null },
    });
  });

  it("reads tfjs-layers' VarianceScaling forms and Keras' string and class spellings as our names", () => {
    const vs = (scale: number, mode: string, distribution: string) => ({
      class_name: 'VarianceScaling',
      config: { scale, mode, distribution, seed: null },
    });
    expect(initializerFromKeras(vs(1, 'fan_avg', 'uniform'), where)).toBe('glorotUniform');
    expect(initializerFromKeras(vs(1, 'fanAvg', 'normal'), where)).toBe('glorotNormal');
    expect(initializerFromKeras(vs(2, 'fan_in', 'uniform'), where)).toBe('heUniform');
    expect(initializerFromKeras(vs(2, 'fan_in', 'truncated_normal'), where)).toBe('heNormal');
    expect(initializerFromKeras(vs(1, 'fan_in', 'normal'), where)).toBe('lecunNormal');
    expect(initializerFromKeras('glorot_uniform', where)).toBe('glorotUniform');
    expect(initializerFromKeras('LeCunNormal', where)).toBe('lecunNormal');
    expect(initializerFromKeras({ class_name: 'HeNormal', config: { seed: 3 } }, where)).toBe('heNormal');
  });

  it('keeps parameters: constants, normals, uniforms and other scalings round-trip as tagged functions', () => {
    const objects = [
      { class_name: 'Constant', config: { value: 0.1 } },
      { class_name: 'TruncatedNormal', config: { mean: 0.5, stddev: 0.01, seed: null } },
      { class_name: 'RandomNormal', config: { mean: 0, stddev: 0.2, seed: null } },
      { class_name: 'RandomUniform', config: { minval: -1, maxval: 2, seed: null } },
      {
        class_name: 'VarianceScaling',
        config: { scale: 0.5, mode: 'fan_out', distribution: 'uniform', seed: null },
      },
    ];
    for (const object of objects) {
      const init = initializerFromKeras(object, where);
      expect(typeof init).toBe('function');
      expect(initializerToKeras(init, where)).toEqual(object);
    }
    // And they make what they say: a constant, and uniform values within their bounds.
    const constant = initializer(initializerFromKeras(objects[0], where))([3], new Rng(0));
    const uniform = initializer(initializerFromKeras(objects[3], where))([100], new Rng(0));
    expect(Array.from(constant.dataSync())).toEqual([0.1, 0.1, 0.1].map(Math.fround));
    expect(uniform.dataSync().every((v) => v >= -1 && v < 2)).toBe(true);
    tf.dispose([constant, uniform]);
  });

  it('keeps the Keras form of an initialiser it has no counterpart for, building with Glorot uniform', () => {
    const orthogonal = { class_name: 'Orthogonal', config: { gain: 1, seed: null } };
    const init = initializerFromKeras(orthogonal, where) as Initializer;
    expect(initializerToKeras(init, where)).toEqual(orthogonal);
    const value = init([4, 4], new Rng(1));
    const limit = Math.sqrt(6 / 8);
    expect(value.dataSync().every((v) => Math.abs(v) <= limit)).toBe(true);
    value.dispose();
  });

  it('refuses a function of one’s own, naming the layer and the option', () => {
    const own: Initializer = (shape) => tf.zeros(shape);
    expect(() => initializerToKeras(own, where)).toThrow(LayerError);
    expect(() => initializerToKeras(own, where)).toThrow(
      /conv1: cannot save kernelInitializer = a function \(own\)/,
    );
    expect(() => initializerToKeras('custom', where)).toThrow(/cannot save kernelInitializer = 'custom'/);
    expect(() => initializerFromKeras(42, where)).toThrow(
      /conv1: kernelInitializer is not a Keras initialiser: 42/,
    );
    expect(initializerToKeras(varianceScaling(3, 'fanIn', 'normal'), where)).toEqual({
      class_name: 'VarianceScaling',
      config: { scale: 3, mode: 'fan_in', distribution: 'truncated_normal', seed: null },
    });
  });
});

describe('regularizers', () => {
  const at = { layer: 'fc', option: 'kernelRegularizer' };
  it('writes l1, l2 and l1l2 as L1L2 and reads L1, L2, L1L2 and names back', () => {
    expect(regularizerToKeras(l2(5e-4), at)).toEqual({ class_name: 'L1L2', config: { l1: 0, l2: 5e-4 } });
    expect(regularizerToKeras(l1(0.1), at)).toEqual({ class_name: 'L1L2', config: { l1: 0.1, l2: 0 } });
    expect(regularizerToKeras(l1l2(1, 2), at)).toEqual({ class_name: 'L1L2', config: { l1: 1, l2: 2 } });
    expect(regularizerToKeras(null, at)).toBeNull();
    const read = (value: unknown) => regularizerToKeras(regularizerFromKeras(value, at), at);
    expect(read({ class_name: 'L2', config: { l2: 0.01 } })).toEqual({
      class_name: 'L1L2',
      config: { l1: 0, l2: 0.01 },
    });
    expect(read({ class_name: 'L1', config: { l1: 0.3 } })).toEqual({
      class_name: 'L1L2',
      config: { l1: 0.3, l2: 0 },
    });
    expect(read({ className: 'L1L2', config: { l1: 0.1, l2: 0.2 } })).toEqual({
      class_name: 'L1L2',
      config: { l1: 0.1, l2: 0.2 },
    });
    expect(read('l2')).toEqual({ class_name: 'L1L2', config: { l1: 0, l2: 0.01 } });
    expect(regularizerFromKeras({ class_name: 'L1L2', config: { l1: 0, l2: 0 } }, at)).toBeUndefined();
    // The penalty read back is the penalty: 0.5·Σw² for L2(0.5).
    const w = tf.tensor1d([1, -2]);
    const penalty = regularizerFromKeras({ class_name: 'L2', config: { l2: 0.5 } }, at)!(w);
    expect(penalty.dataSync()[0]).toBeCloseTo(2.5, 6);
    tf.dispose([w, penalty]);
  });

  it('refuses regularizers it cannot write or read', () => {
    expect(() => regularizerToKeras((w: tf.Tensor) => tf.sum(w), at)).toThrow(
      /fc: cannot save kernelRegularizer = a function/,
    );
    expect(() => regularizerFromKeras({ class_name: 'OrthogonalRegularizer', config: {} }, at)).toThrow(
      /fc: kernelRegularizer .* is not supported; known: L1, L2, L1L2/,
    );
  });
});

describe('activations', () => {
  const at = { layer: 'fc', option: 'activation' };
  it("writes Keras' snake_case names and reads both spellings", () => {
    expect(activationToKeras('leakyRelu', at)).toBe('leaky_relu');
    expect(activationToKeras('relu6', at)).toBe('relu6');
    expect(activationFromKeras('leaky_relu', at)).toBe('leakyRelu');
    expect(activationFromKeras('softmax', at)).toBe('softmax');
    expect(() => activationFromKeras('gelu', at)).toThrow(/fc: activation 'gelu' is not supported/);
    expect(() => activationToKeras(() => 0, at)).toThrow(/fc: cannot save activation = a function/);
  });
});
