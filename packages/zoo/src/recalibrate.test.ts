import { expectNoLeaks, Rng } from '@cnn/core';
import { BatchNormalization, Conv2D, Dense, Flatten, input, Model } from '@cnn/layers';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ZooError } from './common';
import { fractalColumn, fractalnet } from './fractalnet';
import { recalibrateBatchNorm } from './recalibrate';

const diff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;

/** conv → BN → conv → BN → dense, BN layers with their initial statistics (0, 1). */
function twoBn(): Model {
  const x = input({ shape: [6, 6, 2] });
  let h = new Conv2D({ filters: 3, kernelSize: 3, name: 'c1' }).apply(x);
  h = new BatchNormalization({ name: 'bn1' }).apply(h);
  h = new Conv2D({ filters: 4, kernelSize: 3, name: 'c2' }).apply(h);
  h = new BatchNormalization({ name: 'bn2' }).apply(h);
  h = new Dense({ units: 2, name: 'fc' }).apply(new Flatten().apply(h));
  return new Model({ inputs: x, outputs: h, seed: 2 });
}

describe('recalibrateBatchNorm', () => {
  it('sets each BN to the population mean and biased variance of its input, upstream layers first', async () => {
    const net = twoBn();
    // Offset and scale the data so that the initial statistics (0, 1) are far from the real ones.
    const x = tf.tidy(() => tf.add(tf.mul(tf.randomNormal([10, 6, 6, 2], 0, 1, 'float32', 3), 3), 2));
    // 10 images in batches of 4, 4, 2: the per-batch moments must be merged exactly.
    await expectNoLeaks(() => recalibrateBatchNorm(net, x, { batchSize: 4 }));
    await expectNoLeaks(() =>
      tf.tidy(() => {
        // The reference: moments over all the images at once, each layer's input in inference mode
        // (bn2's input comes after bn1, already recalibrated).
        const a = net.run(x, { outputs: ['c1', 'c2'] });
        for (const [bn, conv] of [
          ['bn1', 'c1'],
          ['bn2', 'c2'],
        ] as const) {
          const layer = net.getLayer(bn) as BatchNormalization;
          const { mean, variance } = tf.moments(a[conv]!, [0, 1, 2]);
          expect(diff(layer.movingMean, mean)).toBeLessThan(1e-4);
          expect(diff(layer.movingVariance, variance)).toBeLessThan(1e-3 * tf.max(variance).dataSync()[0]!);
        }
      }),
    );
    x.dispose();
    net.dispose();
  });

  it('fixes a FractalNet column: inference on one batch then equals training mode (batch statistics)', async () => {
    const net = fractalnet({
      blocks: 2,
      columns: 3,
      widths: [4, 8],
      inputShape: [8, 8, 1],
      classes: 3,
      seed: 1,
    });
    const x = tf.randomUniform([16, 8, 8, 1], 0, 1, 'float32', 5);
    // Training passes with drop-path: the moving averages follow mostly the joins' mixtures of columns.
    for (let seed = 0; seed < 30; seed++) {
      tf.dispose(net.run(x, { outputs: ['fc'], training: true, rng: new Rng(seed) }));
    }
    const deepest = fractalColumn(net);
    const out = deepest.outputs[0]!.name;
    // Inference first: a training-mode pass moves the moving averages (recalibration then replaces them).
    const gap = () =>
      tf.tidy(() => {
        const moving = deepest.predict(x);
        return diff(moving, deepest.run(x, { outputs: [out], training: true })[out]!);
      });
    const before = gap();
    expect(before).toBeGreaterThan(1e-2);
    // All 16 images in one batch: the recalibrated statistics are that batch's, those training mode uses.
    expect(await expectNoLeaks(() => recalibrateBatchNorm(deepest, x, { batchSize: 16 }))).toBe(2 * 4);
    expect(gap()).toBeLessThan(1e-4);
    x.dispose();
    net.dispose();
  });

  it('rejects images of another shape, a model without BN and a bad batch size', async () => {
    const net = twoBn();
    const x = tf.zeros([2, 5, 6, 2]);
    await expect(recalibrateBatchNorm(net, x)).rejects.toThrow(ZooError);
    await expect(recalibrateBatchNorm(net, x)).rejects.toThrow(/expected images of shape \[n ≥ 1, 6, 6, 2\]/);
    const y = tf.zeros([2, 6, 6, 2]);
    await expect(recalibrateBatchNorm(net, y, { batchSize: 0 })).rejects.toThrow(/batchSize/);
    const i = input({ shape: [3] });
    const plain = new Model({ inputs: i, outputs: new Dense({ units: 1 }).apply(i) });
    await expect(recalibrateBatchNorm(plain, tf.zeros([1, 3]))).rejects.toThrow(/has no BatchNormalization/);
    tf.dispose([x, y]);
    net.dispose();
    plain.dispose();
  });
});
