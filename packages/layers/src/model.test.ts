import { expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { earlyStopping, learningRateScheduler, reduceLrOnPlateau, stepDecay } from './callbacks';
import { LayerError, ShapeError } from './errors';
import { Conv2D } from './layers/conv2d';
import { Dense } from './layers/dense';
import { MaxPooling2D } from './layers/pooling';
import { Flatten } from './layers/reshape';
import { input, Model, Sequential } from './model';
import { Adam, SGD } from './optimizers';
import { formatSummary, summarize } from './summary';

/** XOR, the perceptron's limit (seed 003): four points no line separates. */
const xorX = () =>
  tf.tensor2d([
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]);
const xorY = () => tf.tensor1d([0, 1, 1, 0], 'int32');

describe('Model', () => {
  it('runs a graph with a shared layer and returns any activation by name in one pass', () => {
    const x = input({ shape: [3], name: 'x' });
    const shared = new Dense({ units: 3, activation: 'tanh', name: 'shared' });
    const h1 = shared.apply(x);
    const h2 = shared.apply(h1); // the same weights, a second time
    const out = new Dense({ units: 2, name: 'out' }).apply(h2);
    const net = new Model({ inputs: x, outputs: out, seed: 3 });
    expect(net.layers.map((l) => l.name)).toEqual(['x', 'shared', 'out']);
    expect(net.nodes.map((n) => n.name)).toEqual(['x', 'shared', 'shared:1', 'out']);
    const data = tf.tensor2d([[1, -2, 0.5]]);
    const acts = net.run(data, { outputs: ['shared', 'shared:1', 'out'] });
    // By hand: the shared layer's weights applied twice, then the output layer's.
    const [k, b] = shared.weights.map((w) => w.variable);
    const [k2, b2] = net.getLayer('out').weights.map((w) => w.variable);
    const first = tf.tanh(tf.add(tf.matMul(data, k as tf.Tensor2D), b!));
    const second = tf.tanh(tf.add(tf.matMul(first, k as tf.Tensor2D), b!));
    const final = tf.add(tf.matMul(second, k2 as tf.Tensor2D), b2!);
    for (const [name, expected] of [
      ['shared', first],
      ['shared:1', second],
      ['out', final],
    ] as const) {
      expect([...acts[name]!.dataSync()]).toEqual([...expected.dataSync()].map((v) => expect.closeTo(v, 5)));
    }
    tf.dispose([data, first, second, final, ...Object.values(acts)]);
    expect(() => net.run(tf.zeros([1, 3]), { outputs: ['nope'] })).toThrow(
      /has no activation 'nope'; it has x, shared, shared:1, out/,
    );
    net.dispose();
  });

  it('fails at build time with the layer named and the arithmetic shown', () => {
    const x = input({ shape: [4, 4, 1] });
    expect(() => new Conv2D({ filters: 2, kernelSize: 5, name: 'too_big' }).apply(x)).toThrow(ShapeError);
    expect(() => new Conv2D({ filters: 2, kernelSize: 5, name: 'too_big_2' }).apply(x)).toThrow(
      /too_big_2: .*\(4 − 5 \+ 2·0\)\/1 \+ 1 = 0 < 1/,
    );
    const y = new Dense({ units: 2, name: 'same_name' }).apply(new Flatten().apply(x));
    const z = new Dense({ units: 2, name: 'same_name' }).apply(y);
    expect(() => new Model({ inputs: x, outputs: z })).toThrow(LayerError);
  });

  it("summarises the seeds' MNIST CNN: 3,274,634 parameters, shapes and activations per layer", () => {
    const net = new Sequential(
      [
        new Conv2D({ filters: 32, kernelSize: 5, padding: 'same', activation: 'relu' }),
        new MaxPooling2D({ poolSize: 2 }),
        new Conv2D({ filters: 64, kernelSize: 5, padding: 'same', activation: 'relu' }),
        new MaxPooling2D({ poolSize: 2 }),
        new Flatten(),
        new Dense({ units: 1024, activation: 'relu' }),
        new Dense({ units: 10 }),
      ],
      { inputShape: [28, 28, 1] },
    );
    const summary = summarize(net);
    expect(summary.params).toBe(3_274_634);
    expect(summary.rows.map((r) => r.outputShape)).toEqual([
      [null, 28, 28, 1],
      [null, 28, 28, 32],
      [null, 14, 14, 32],
      [null, 14, 14, 64],
      [null, 7, 7, 64],
      [null, 3136],
      [null, 1024],
      [null, 10],
    ]);
    expect(summary.activations).toBe(784 + 25088 + 6272 + 12544 + 3136 + 3136 + 1024 + 10);
    expect(formatSummary(summary)).toMatch(/parameters: 3,274,634 \(trainable 3,274,634\)/);
    net.dispose();
  });
});

describe('fit', () => {
  const xorNet = (seed: number) =>
    new Sequential([new Dense({ units: 8, activation: 'tanh' }), new Dense({ units: 2 })], {
      inputShape: [2],
      seed,
    });

  it('learns XOR, keeps the tensor count flat across epochs, and evaluates', async () => {
    const net = xorNet(1).compile({
      optimizer: new Adam({ learningRate: 0.05 }),
      loss: 'softmaxCrossEntropy',
      metrics: ['accuracy'],
    });
    const [x, y] = [xorX(), xorY()];
    await net.fit({ x, y }, { epochs: 2, batchSize: 4 }); // creates Adam's state
    const counts: number[] = [];
    const history = await net.fit(
      { x, y },
      {
        epochs: 150,
        batchSize: 4,
        callbacks: [{ onEpochEnd: () => void counts.push(tf.memory().numTensors) }],
      },
    );
    expect(new Set(counts).size).toBe(1);
    expect(history.epochs.at(-1)!.loss).toBeLessThan(0.1);
    expect(history.epochs.at(-1)!.loss).toBeLessThan(history.epochs[0]!.loss!);
    const logs = await net.evaluate({ x, y });
    expect(logs.accuracy).toBe(1);
    tf.dispose([x, y]);
    net.compiled.optimizer.dispose();
    net.dispose();
  });

  it('takes batches from an iterable, disposing them, and reports progress', async () => {
    const net = xorNet(2).compile({ optimizer: 'sgd', loss: 'softmaxCrossEntropy' });
    const batches = {
      *[Symbol.iterator]() {
        for (let i = 0; i < 3; i++) yield { x: xorX(), y: xorY() };
      },
      size: 3,
    };
    const seen: number[] = [];
    await expectNoLeaks(
      () => net.fit(batches, { epochs: 2, onProgress: (e) => void seen.push(e.done / e.total) }),
      'fit',
    );
    expect(seen).toEqual([1 / 3, 2 / 3, 1, 1 / 3, 2 / 3, 1]);
    net.dispose();
  });

  it('stops early, reduces the rate on a plateau and follows a schedule', async () => {
    const net = xorNet(3).compile({
      optimizer: new SGD({ learningRate: 1e-9 }),
      loss: 'softmaxCrossEntropy',
    });
    const [x, y] = [xorX(), xorY()];
    // A rate of 1e-9 learns nothing measurable: the loss plateaus at once.
    const stopped = await net.fit(
      { x, y },
      {
        epochs: 50,
        batchSize: 4,
        validationData: { x, y },
        callbacks: [earlyStopping({ monitor: 'val_loss', patience: 2, minDelta: 1e-6 })],
      },
    );
    expect(stopped.epochs.length).toBe(4); // the first sets the best, then 3 without improvement > patience 2
    await net.fit(
      { x, y },
      {
        epochs: 4,
        batchSize: 4,
        validationData: { x, y },
        callbacks: [reduceLrOnPlateau({ monitor: 'val_loss', patience: 1, minDelta: 1e-6, factor: 0.5 })],
      },
    );
    expect(net.compiled.optimizer.learningRate).toBeCloseTo(0.5e-9, 15);
    const rates: number[] = [];
    await net.fit(
      { x, y },
      {
        epochs: 5,
        batchSize: 4,
        callbacks: [
          learningRateScheduler(stepDecay(0.1, 0.1, 2)),
          { onEpochEnd: (_e, _l, m) => void rates.push(m.compiled.optimizer.learningRate) },
        ],
      },
    );
    expect(rates.map((r) => Number(r.toPrecision(6)))).toEqual([0.1, 0.1, 0.01, 0.01, 0.001]);
    tf.dispose([x, y]);
    net.dispose();
  });
});
