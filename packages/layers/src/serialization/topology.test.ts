import { describe, expect, it } from 'vitest';
import { LayerError } from '../errors';
import { initializers } from '../initializers';
import { Activation } from '../layers/activation';
import { Conv2D } from '../layers/conv2d';
import { Dense } from '../layers/dense';
import { Add } from '../layers/merge';
import { MaxPooling2D } from '../layers/pooling';
import { Flatten } from '../layers/reshape';
import { input, Model, Sequential } from '../model';
import type { Regularizer } from '../regularizers';
import { fromJSON, toJSON } from './topology';

const glorot = { class_name: 'GlorotUniform', config: { seed: null } };
const zeros = { class_name: 'Zeros', config: {} };

describe('toJSON', () => {
  it('writes a Sequential as tfjs-layers does: its layers, the first with batch_input_shape', () => {
    const net = new Sequential(
      [
        new Conv2D({
          filters: 2,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          activation: 'relu',
          name: 'conv',
        }),
        new MaxPooling2D({ name: 'pool' }),
        new Flatten({ name: 'flat' }),
        new Dense({ units: 3, kernelInitializer: 'heNormal', name: 'fc' }),
      ],
      { inputShape: [8, 8, 1], name: 'mnist' },
    );
    expect(toJSON(net)).toEqual({
      class_name: 'Sequential',
      keras_version: '@cnn/layers',
      backend: 'tensor_flow.js',
      config: {
        name: 'mnist',
        layers: [
          {
            class_name: 'Conv2D',
            config: {
              name: 'conv',
              trainable: true,
              filters: 2,
              kernel_size: [3, 3],
              strides: [2, 2],
              padding: 'same',
              dilation_rate: [1, 1],
              groups: 1,
              activation: 'relu',
              use_bias: true,
              kernel_initializer: glorot,
              bias_initializer: zeros,
              kernel_regularizer: null,
              bias_regularizer: null,
              activity_regularizer: null,
              kernel_constraint: null,
              bias_constraint: null,
              data_format: 'channels_last',
              batch_input_shape: [null, 8, 8, 1],
              dtype: 'float32',
            },
          },
          {
            class_name: 'MaxPooling2D',
            config: {
              name: 'pool',
              trainable: true,
              pool_size: [2, 2],
              strides: [2, 2],
              padding: 'valid',
              data_format: 'channels_last',
            },
          },
          { class_name: 'Flatten', config: { name: 'flat', trainable: true } },
          {
            class_name: 'Dense',
            config: {
              name: 'fc',
              trainable: true,
              units: 3,
              activation: 'linear',
              use_bias: true,
              kernel_initializer: { class_name: 'HeNormal', config: { seed: null } },
              bias_initializer: zeros,
              kernel_regularizer: null,
              bias_regularizer: null,
              activity_regularizer: null,
              kernel_constraint: null,
              bias_constraint: null,
            },
          },
        ],
      },
    });
    net.dispose();
  });

  it('writes a graph as class Model, a shared layer with one inbound node per use', () => {
    const a = input({ shape: [3], name: 'a' });
    const b = input({ shape: [3], name: 'b' });
    const shared = new Dense({ units: 3, name: 'shared' });
    const sum = new Add({ name: 'sum' }).apply([shared.apply(a), shared.apply(b)]);
    const net = new Model({ inputs: [a, b], outputs: [sum, shared.apply(sum)], name: 'g' });
    const { class_name, config } = toJSON(net);
    expect(class_name).toBe('Model');
    expect(config.layers.map((l) => [l.name, l.class_name, l.inbound_nodes])).toEqual([
      ['a', 'InputLayer', []],
      ['b', 'InputLayer', []],
      ['shared', 'Dense', [[['a', 0, 0, {}]], [['b', 0, 0, {}]], [['sum', 0, 0, {}]]]],
      [
        'sum',
        'Add',
        [
          [
            ['shared', 0, 0, {}],
            ['shared', 1, 0, {}],
          ],
        ],
      ],
    ]);
    expect(config.layers[0]!.config).toEqual({
      name: 'a',
      batch_input_shape: [null, 3],
      dtype: 'float32',
      sparse: false,
    });
    expect(config.input_layers).toEqual([
      ['a', 0, 0],
      ['b', 0, 0],
    ]);
    expect(config.output_layers).toEqual([
      ['sum', 0, 0],
      ['shared', 2, 0],
    ]);
    const twin = fromJSON(toJSON(net));
    expect(twin.nodes.map((n) => n.name)).toEqual(['a', 'b', 'shared', 'shared:1', 'sum', 'shared:2']);
    net.dispose();
    twin.dispose();
  });

  it('writes a Sequential that applies a layer twice as a graph', () => {
    const twice = new Dense({ units: 2, name: 'twice' });
    const net = new Sequential([twice, twice], { inputShape: [2] });
    const json = toJSON(net);
    expect(json.class_name).toBe('Model');
    expect(
      fromJSON(json)
        .nodes.map((n) => n.name)
        .slice(1),
    ).toEqual(['twice', 'twice:1']);
    net.dispose();
  });

  it('refuses functions and nested models, naming the layer and the option', () => {
    const custom = (x: unknown) => x;
    const cases: [() => unknown, RegExp][] = [
      [
        () => new Dense({ units: 1, name: 'd1', activation: custom as never }),
        /d1: cannot save activation = a function \(custom\)/,
      ],
      [
        () => new Activation({ activation: custom as never, name: 'act' }),
        /act: cannot save activation = 'custom'/,
      ],
      [
        () =>
          new Dense({
            units: 1,
            name: 'd2',
            kernelInitializer: (s) => initializers.ones()(s, null as never),
          }),
        /d2: cannot save kernelInitializer = a function/,
      ],
      [
        () => new Dense({ units: 1, name: 'd3', biasRegularizer: (() => 0) as unknown as Regularizer }),
        /d3: cannot save biasRegularizer = a function/,
      ],
    ];
    for (const [make, message] of cases) {
      const layer = make() as Dense;
      const net = new Sequential([layer], { inputShape: [2] });
      expect(() => toJSON(net)).toThrow(LayerError);
      expect(() => toJSON(net)).toThrow(message);
      net.dispose();
    }
    const inner = new Sequential([new Dense({ units: 2 })], { inputShape: [2], name: 'inner' });
    const outer = new Sequential([inner], { inputShape: [2] });
    expect(() => toJSON(outer)).toThrow(/inner: a model nested in a model cannot be saved yet/);
    outer.dispose();
  });

  it('saves initializers.constant and friends, which carry their Keras form', () => {
    const net = new Sequential(
      [
        new Dense({
          units: 1,
          biasInitializer: initializers.constant(0.5),
          kernelInitializer: initializers.truncatedNormal(0.1),
        }),
      ],
      {
        inputShape: [2],
      },
    );
    const config = toJSON(net).config.layers[0]!.config;
    expect(config.bias_initializer).toEqual({ class_name: 'Constant', config: { value: 0.5 } });
    expect(config.kernel_initializer).toEqual({
      class_name: 'TruncatedNormal',
      config: { mean: 0, stddev: 0.1, seed: null },
    });
    const twin = fromJSON(toJSON(net));
    expect(toJSON(twin).config.layers[0]!.config).toEqual(config);
    expect(Array.from(twin.weights[1]!.variable.dataSync())).toEqual([0.5]);
    net.dispose();
    twin.dispose();
  });
});
