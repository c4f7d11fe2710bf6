import { expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { allCnnC } from './all_cnn';
import { cifarCnn } from './cifar_cnn';
import { ZooError } from './common';
import { lenet5 } from './lenet';
import { mnistCnn } from './mnist_cnn';
import { xorMlp } from './xor';

describe('the small CNNs of the seeds', () => {
  it('LeNet-5 keeps the paper sizes for 32×32 input and for MNIST 28×28 padded by C1', async () => {
    for (const side of [32, 28]) {
      const net = lenet5({ inputShape: [side, side, 1] });
      const acts = await expectNoLeaks(() =>
        tf.tidy(() => {
          const a = net.run(tf.randomUniform([2, side, side, 1]), {
            outputs: ['c1', 's2', 'c3', 's4', 'c5', 'output'],
          });
          return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v.shape]));
        }),
      );
      expect(acts).toEqual({
        c1: [2, 28, 28, 6],
        s2: [2, 14, 14, 6],
        c3: [2, 10, 10, 16],
        s4: [2, 5, 5, 16],
        c5: [2, 1, 1, 120],
        output: [2, 10],
      });
      net.dispose();
    }
    expect(() => lenet5({ inputShape: [29, 29, 1] })).toThrow(ZooError);
  });

  it('All-CNN-C has no pooling layer: stride-2 convolutions halve 32 → 16 → 8, then 6 and global averaging', async () => {
    const net = allCnnC({ inputShape: [32, 32, 3] });
    expect(net.layers.filter((l) => /Pool/.test(l.className)).map((l) => l.name)).toEqual(['logits']);
    const shapes = await expectNoLeaks(() =>
      tf.tidy(() => {
        const a = net.run(tf.randomUniform([1, 32, 32, 3]), {
          outputs: ['conv3', 'conv6', 'conv7', 'conv9', 'logits'],
        });
        // The logits are the mean of conv9's 6×6 maps.
        expect(a.logits!.arraySync()).toEqual(tf.mean(a.conv9!, [1, 2]).arraySync());
        return Object.values(a).map((t) => t.shape);
      }),
    );
    expect(shapes).toEqual([
      [1, 16, 16, 96],
      [1, 8, 8, 192],
      [1, 6, 6, 192],
      [1, 6, 6, 10],
      [1, 10],
    ]);
    net.dispose();
  });

  it("the MNIST CNN and Keras' CIFAR-10 CNN run, their dropout only in training", async () => {
    const mnist = mnistCnn({ seed: 3 });
    const cifar = cifarCnn({ classes: 7 });
    await expectNoLeaks(() =>
      tf.tidy(() => {
        const x = tf.randomUniform([2, 28, 28, 1]);
        const a = mnist.run(x, { outputs: ['pool2', 'fc1', 'dropout', 'logits'] });
        expect(a.pool2!.shape).toEqual([2, 7, 7, 64]);
        expect(a.dropout!.arraySync()).toEqual(a.fc1!.arraySync()); // inference: identity
        const t = mnist.run(x, { outputs: ['fc1', 'dropout'], training: true });
        const kept = tf.notEqual(t.dropout!, 0);
        // Training: every unit dropped (0) or scaled by 1 / (1 − 0.5).
        expect(
          tf
            .max(tf.abs(tf.where(kept, tf.sub(t.dropout!, tf.mul(t.fc1!, 2)), tf.zerosLike(t.fc1!))))
            .dataSync()[0],
        ).toBeLessThan(1e-5);
        expect(cifar.run(tf.randomUniform([2, 32, 32, 3]), { outputs: ['pool2'] }).pool2!.shape).toEqual([
          2, 6, 6, 64,
        ]);
        expect(cifar.predict(tf.randomUniform([2, 32, 32, 3])).shape).toEqual([2, 7]);
      }),
    );
    mnist.dispose();
    cifar.dispose();
  });

  it('the XOR MLP computes XOR with hand-set weights: OR and AND units, XOR = OR − AND', async () => {
    const net = xorMlp();
    expect(net.countParams()).toBe(12);
    const [k1, b1, k2, b2] = net.weights.map((w) => w.variable);
    k1!.assign(
      tf.tensor2d([
        [20, 20],
        [20, 20],
      ]),
    ); // column 0: OR, column 1: AND
    b1!.assign(tf.tensor1d([-10, -30]));
    k2!.assign(
      tf.tensor2d([
        [-20, 20],
        [20, -20],
      ]),
    ); // logit 1 − logit 0 = 40·(OR − AND) − 20
    b2!.assign(tf.tensor1d([10, -10]));
    const classes = await expectNoLeaks(() =>
      tf.tidy(() =>
        Array.from(
          tf
            .argMax(
              net.predict(
                tf.tensor2d([
                  [0, 0],
                  [0, 1],
                  [1, 0],
                  [1, 1],
                ]),
              ),
              1,
            )
            .dataSync(),
        ),
      ),
    );
    expect(classes).toEqual([0, 1, 1, 0]);
    net.dispose();
  });
});
