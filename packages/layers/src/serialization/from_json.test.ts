// fromJSON on what Keras 2, Keras 3 and tfjs-layers write, and on what it cannot load.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { LayerError } from '../errors';
import type { BatchNormalization } from '../layers/batch_normalization';
import { fromJSON } from './topology';

/** A Keras 2 Dense entry as Keras itself writes it. */
const kerasDense = (name: string, units: number, extra: Record<string, unknown> = {}) => ({
  class_name: 'Dense',
  config: {
    name,
    trainable: true,
    dtype: 'float32',
    units,
    activation: 'relu',
    use_bias: true,
    kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
    bias_initializer: { class_name: 'Zeros', config: {} },
    kernel_regularizer: { class_name: 'L2', config: { l2: 0.01 } },
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: { class_name: 'MaxNorm', config: { max_value: 2, axis: 0 } },
    bias_constraint: null,
    ...extra,
  },
});

/** A Keras 2 BatchNormalization entry, axis as a built layer writes it. */
const kerasBatchNorm = {
  class_name: 'BatchNormalization',
  config: {
    name: 'bn',
    trainable: true,
    dtype: 'float32',
    axis: [1],
    momentum: 0.99,
    epsilon: 0.001,
    center: true,
    scale: true,
    beta_initializer: { class_name: 'Zeros', config: {} },
    gamma_initializer: { class_name: 'Ones', config: {} },
    moving_mean_initializer: { class_name: 'Zeros', config: {} },
    moving_variance_initializer: { class_name: 'Ones', config: {} },
    beta_regularizer: null,
    gamma_regularizer: null,
    beta_constraint: null,
    gamma_constraint: null,
  },
};

describe('fromJSON', () => {
  it("reads Keras 2's forms: model_config wrapper, InputLayer first, list-form Sequential, 'Functional'", () => {
    const input = {
      class_name: 'InputLayer',
      config: { batch_input_shape: [null, 4], dtype: 'float32', sparse: false, ragged: false, name: 'in' },
    };
    const wrapped = {
      keras_version: '2.15.0',
      backend: 'tensorflow',
      model_config: {
        class_name: 'Sequential',
        config: { name: 's', layers: [input, kerasDense('d', 2), kerasBatchNorm] },
      },
    };
    const a = fromJSON(wrapped);
    expect(a.layers.map((l) => l.className)).toEqual(['InputLayer', 'Dense', 'BatchNormalization']);
    expect(a.outputs[0]!.shape).toEqual([null, 2]);
    expect((a.layers[2] as BatchNormalization).axis).toBe(1); // Keras 2 writes a built layer's axis as [1]
    const b = fromJSON({
      class_name: 'Sequential',
      config: [kerasDense('d', 3, { batch_input_shape: [null, 5] })],
    });
    expect(b.outputs[0]!.shape).toEqual([null, 3]);
    const c = fromJSON({
      class_name: 'Functional',
      config: {
        name: 'f',
        layers: [
          { ...input, name: 'in', inbound_nodes: [] },
          { ...kerasDense('d', 2), name: 'd', inbound_nodes: [[['in', 0, 0, {}]]] },
        ],
        input_layers: [['in', 0, 0]],
        output_layers: ['d', 0, 0], // one output: Keras may write the bare reference
      },
    });
    expect(c.name).toBe('f');
    expect(c.nodes.map((n) => n.name)).toEqual(['in', 'd']);
    for (const m of [a, b, c]) m.dispose();
  });

  it("reads Keras 3's: batch_shape, nodes as { args } with keras_history, objects with module", () => {
    const keras3 = {
      class_name: 'Functional',
      config: {
        name: 'k3',
        layers: [
          {
            module: 'keras.layers',
            class_name: 'InputLayer',
            config: { batch_shape: [null, 3], dtype: 'float32', sparse: false, name: 'x' },
            registered_name: null,
            name: 'x',
            inbound_nodes: [],
          },
          {
            module: 'keras.layers',
            class_name: 'Dense',
            config: {
              name: 'fc',
              trainable: true,
              dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' } },
              units: 2,
              activation: 'linear',
              use_bias: true,
              kernel_initializer: {
                module: 'keras.initializers',
                class_name: 'GlorotUniform',
                config: { seed: null },
                registered_name: null,
              },
              bias_initializer: {
                module: 'keras.initializers',
                class_name: 'Zeros',
                config: {},
                registered_name: null,
              },
              kernel_regularizer: null,
              bias_regularizer: null,
              kernel_constraint: null,
              bias_constraint: null,
            },
            registered_name: null,
            name: 'fc',
            inbound_nodes: [
              {
                args: [
                  {
                    class_name: '__keras_tensor__',
                    config: { shape: [null, 3], dtype: 'float32', keras_history: ['x', 0, 0] },
                  },
                ],
                kwargs: {},
              },
            ],
          },
        ],
        input_layers: [['x', 0, 0]],
        output_layers: [['fc', 0, 0]],
      },
    };
    const net = fromJSON(keras3);
    expect(net.outputs[0]!.shape).toEqual([null, 2]);
    net.dispose();
  });

  it('throws LayerErrors that name the layer for what it cannot load', () => {
    const seq = (layer: unknown) => ({ class_name: 'Sequential', config: { name: 's', layers: [layer] } });
    const cases: [unknown, RegExp][] = [
      [
        seq({ class_name: 'LSTM', config: { name: 'rnn', batch_input_shape: [null, 2, 2] } }),
        /rnn \(LSTM\): no layer of class LSTM here; known: .*Conv2D/,
      ],
      [
        seq(kerasDense('d', 2, { batch_input_shape: [null, 2], lora_rank: 4 })),
        /d \(Dense\): option lora_rank = 4 not supported here/,
      ],
      [
        seq({
          class_name: 'MaxPooling2D',
          config: { name: 'p', batch_input_shape: [null, 4, 4, 1], data_format: 'channels_first' },
        }),
        /p \(MaxPooling2D\): option data_format = 'channels_first' not supported/,
      ],
      [
        seq({ class_name: 'ReLU', config: { name: 'r', batch_input_shape: [null, 2], negative_slope: 0.1 } }),
        /r \(ReLU\): option negative_slope = 0.1/,
      ],
      [
        seq(kerasDense('d', 2, { batch_input_shape: [null, 2], activation: 'swish' })),
        /d: activation 'swish' is not supported; known: linear, relu/,
      ],
      [seq(kerasDense('d', 2)), /Sequential s: its first layer must give batch_input_shape/],
      [seq(kerasDense('d', -1, { batch_input_shape: [null, 2] })), /units must be a positive integer/],
      [
        {
          class_name: 'Model',
          config: {
            name: 'm',
            layers: [{ ...kerasDense('d', 2), name: 'd', inbound_nodes: [[['ghost', 0, 0, {}]]] }],
            input_layers: [],
            output_layers: [['d', 0, 0]],
          },
        },
        /a node refers to a layer 'ghost' that is not in the model/,
      ],
      [{ class_name: 'Graph', config: {} }, /cannot load a model of class Graph/],
      [{ layers: [] }, /expected \{ class_name, config \}/],
      [
        { class_name: 'Sequential', config: { layers: 'none' } },
        /must be a list of \{ class_name, config \}/,
      ],
      [{ class_name: 'Model', config: { layers: [] } }, /the model config has no input_layers/],
    ];
    const tensors = tf.memory().numTensors;
    for (const [topology, message] of cases) {
      expect(() => fromJSON(topology)).toThrow(LayerError);
      expect(() => fromJSON(topology)).toThrow(message);
    }
    expect(tf.memory().numTensors).toBe(tensors); // nothing half-made is left holding weights
  });
});
