#!/usr/bin/env node
// The perceptron's limit (seed 003) and the seeds' XOR network (seed 002): no line separates XOR, one
// hidden layer does. `node dist/xor.js` trains both and prints their predictions.
import { ready } from '@cnn/core';
import { Dense, type Model, Sequential, SGD } from '@cnn/layers';
import * as tf from '@tensorflow/tfjs-core';

export interface XorResult {
  /** Accuracy on the four points: a linear model cannot pass 0.75. */
  readonly accuracy: number;
  /** P(class 1) for (0,0), (0,1), (1,0), (1,1). */
  readonly probabilities: number[];
  readonly loss: number;
}

/** Trains `hidden` sigmoid units (0: a single-layer perceptron) on XOR by full-batch gradient descent. */
export async function trainXor(
  hidden: number,
  { epochs = 2000, learningRate = 1, seed = 1 } = {},
): Promise<XorResult> {
  const layers =
    hidden > 0
      ? [new Dense({ units: hidden, activation: 'sigmoid' }), new Dense({ units: 2 })]
      : [new Dense({ units: 2 })];
  const model: Model = new Sequential(layers, { inputShape: [2], seed }).compile({
    optimizer: new SGD({ learningRate, momentum: 0.9 }),
    loss: 'softmaxCrossEntropy',
    metrics: ['accuracy'],
  });
  const x = tf.tensor2d([
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]);
  const y = tf.tensor1d([0, 1, 1, 0], 'int32');
  const history = await model.fit({ x, y }, { epochs, batchSize: 4, shuffle: false, progress: false });
  const p = tf.tidy(() => tf.slice(tf.softmax(model.predict(x)), [0, 1], [4, 1]));
  const probabilities = [...(await p.data())];
  const { accuracy } = await model.evaluate({ x, y });
  tf.dispose([x, y, p]);
  model.compiled.optimizer.dispose();
  model.dispose();
  return { accuracy: accuracy!, probabilities, loss: history.epochs.at(-1)!.loss! };
}

async function main(): Promise<void> {
  const { backend } = await ready();
  console.log(`XOR on ${backend}: inputs (0,0) (0,1) (1,0) (1,1), targets 0 1 1 0\n`);
  for (const [label, hidden] of [
    ['perceptron (no hidden layer)', 0],
    ['one hidden layer of 4 sigmoids', 4],
  ] as const) {
    const r = await trainXor(hidden);
    const p = r.probabilities.map((v) => v.toFixed(3)).join('  ');
    console.log(
      `${label.padEnd(32)} P(1) = ${p}   accuracy ${(100 * r.accuracy).toFixed(0)}%   loss ${r.loss.toFixed(4)}`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
