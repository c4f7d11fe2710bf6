import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { mnistCnn, randomBatch } from './mnist_cnn';

describe("the seeds' MNIST CNN", () => {
  it('has the TensorFlow listing’s 3,274,634 parameters and maps [n, 28, 28, 1] to [n, 10]', async () => {
    const model = mnistCnn(new Rng(1));
    const count = model.variables.reduce((n, v) => n + v.size, 0);
    expect(count).toBe(5 * 5 * 32 + 32 + 5 * 5 * 32 * 64 + 64 + 7 * 7 * 64 * 1024 + 1024 + 1024 * 10 + 10);
    expect(count).toBe(3_274_634);
    const { images, labels } = randomBatch(new Rng(2), 3);
    const logits = await expectNoLeaks(() => model.logits(images));
    expect(logits.shape).toEqual([3, 10]);
    tf.dispose([images, labels, logits]);
    model.dispose();
  });

  it('learns a fixed batch: the loss falls over a few Adam steps, and the loop leaks nothing', async () => {
    const rng = new Rng(3);
    const model = mnistCnn(rng.fork());
    const { images, labels } = randomBatch(rng.fork(), 8);
    const optimizer = tf.train.adam(1e-4); // the seed's rate
    const step = () => {
      const loss = optimizer.minimize(() => model.loss(images, labels), true, model.variables)!;
      const value = loss.dataSync()[0]!;
      loss.dispose();
      return value;
    };
    const first = step(); // creates Adam's moments
    const losses = [first];
    await expectNoLeaks(() => {
      for (let i = 0; i < 4; i++) losses.push(step());
    });
    expect(losses.at(-1)!).toBeLessThan(first * 0.8);
    optimizer.dispose();
    model.dispose();
    tf.dispose([images, labels]);
  });
});
