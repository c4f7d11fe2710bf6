import { expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ZooError } from './common';
import { vgg, vggTable } from './vgg';

describe('vgg', () => {
  it('runs column A at CIFAR size with every block reachable by name, without leaks', async () => {
    const net = vgg('A', { inputShape: [32, 32, 3], classes: 10, fcUnits: 16 });
    const names = ['conv1_1', 'pool1', 'conv3_2', 'pool3', 'conv5_2', 'pool5', 'fc7', 'fc8'];
    const out = await expectNoLeaks(() =>
      tf.tidy(() => {
        const acts = net.run(tf.randomUniform([1, 32, 32, 3]), { outputs: names });
        return Object.fromEntries(names.map((n) => [n, acts[n]!.shape]));
      }),
    );
    expect(out).toEqual({
      conv1_1: [1, 32, 32, 64],
      pool1: [1, 16, 16, 64],
      conv3_2: [1, 8, 8, 256],
      pool3: [1, 4, 4, 256],
      conv5_2: [1, 2, 2, 512],
      pool5: [1, 1, 1, 512],
      fc7: [1, 16],
      fc8: [1, 10],
    });
    net.dispose();
  });

  it("follows Table 1: each column's convolutions, 1×1 in C, LRN in A-LRN, BN units in the BN variants", () => {
    const convs = (c: keyof typeof vggTable) => vggTable[c].filter((t) => t.startsWith('conv')).length;
    expect(['A', 'A-LRN', 'B', 'C', 'D', 'E'].map((c) => convs(c as keyof typeof vggTable) + 3)).toEqual([
      11, 11, 13, 16, 16, 19,
    ]);
    const c = vgg('C', { build: false });
    expect(c.getLayer('conv3_3').weightShapes([[null, 56, 56, 256]])[0]!.shape).toEqual([1, 1, 256, 256]);
    expect(c.nodes.find((n) => n.name === 'pool5')!.shape).toEqual([null, 7, 7, 512]);
    const lrn = vgg('A-LRN', { build: false });
    expect(lrn.getLayer('lrn1').className).toBe('LocalResponseNormalization');
    const bn = vgg('E', { batchNorm: true, build: false });
    expect(bn.nodes.map((n) => n.name)).toContain('conv5_4_relu');
    expect(bn.getLayer('conv5_4_bn').className).toBe('BatchNormalization');
    expect(bn.name).toBe('vgg_e_bn');
  });

  it('runs a BN variant in training and inference mode', async () => {
    const net = vgg('A', { batchNorm: true, inputShape: [32, 32, 3], classes: 3, fcUnits: 8, dropout: 0 });
    await expectNoLeaks(() =>
      tf.tidy(() => {
        const x = tf.randomUniform([1, 32, 32, 3]);
        // Training normalises conv1_1 by the batch's own statistics: mean 0, variance ≈ 1 per channel.
        const { conv1_1_bn, fc8 } = net.run(x, { outputs: ['conv1_1_bn', 'fc8'], training: true });
        expect(fc8!.shape).toEqual([1, 3]);
        const { mean, variance } = tf.moments(conv1_1_bn!, [0, 1, 2]);
        expect(tf.max(tf.abs(mean)).dataSync()[0]).toBeLessThan(1e-4);
        expect(tf.min(variance).dataSync()[0]).toBeGreaterThan(0.99);
      }),
    );
    net.dispose();
  });

  it('rejects an unknown column and an input too small for five poolings', () => {
    expect(() => vgg('F' as 'A')).toThrow(ZooError);
    expect(() => vgg('D', { inputShape: [16, 16, 3], build: false })).toThrow(
      /sides ≥ 32, got \[16, 16, 3\]/,
    );
    expect(() => vgg('D', { classes: 0, build: false })).toThrow(/classes must be a positive integer, got 0/);
  });
});
