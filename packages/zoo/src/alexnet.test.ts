import { expectNoLeaks } from '@cnn/core';
import type { Conv2D, Model } from '@cnn/layers';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { alexnet } from './alexnet';
import { ZooError } from './common';
import { zfnet } from './zfnet';

const shapes = (net: Model, names: string[]) =>
  Object.fromEntries(names.map((n) => [n, net.nodes.find((node) => node.name === n)!.shape]));

describe('alexnet and zfnet', () => {
  it("have their papers' map sizes at native input", () => {
    expect(shapes(alexnet({ build: false }), ['conv1', 'pool1', 'pool2', 'conv5', 'pool5'])).toEqual({
      conv1: [null, 55, 55, 64],
      pool1: [null, 27, 27, 64],
      pool2: [null, 13, 13, 192],
      conv5: [null, 13, 13, 256],
      pool5: [null, 6, 6, 256],
    });
    // Krizhevsky et al. Fig. 2 / seed 002: 227 → 55 → 27 → 13 → 6, 96-256-384-384-256.
    expect(
      shapes(alexnet({ layout: 'paper', build: false }), [
        'conv1',
        'lrn1',
        'pool1',
        'conv2',
        'pool2',
        'conv4',
        'pool5',
      ]),
    ).toEqual({
      conv1: [null, 55, 55, 96],
      lrn1: [null, 55, 55, 96],
      pool1: [null, 27, 27, 96],
      conv2: [null, 27, 27, 256],
      pool2: [null, 13, 13, 256],
      conv4: [null, 13, 13, 384],
      pool5: [null, 6, 6, 256],
    });
    // Zeiler & Fergus Fig. 3: 224 → 110 → 55 → 26 → 13 → 6.
    expect(shapes(zfnet({ build: false }), ['conv1', 'pool1', 'conv2', 'pool2', 'conv4', 'pool5'])).toEqual({
      conv1: [null, 110, 110, 96],
      pool1: [null, 55, 55, 96],
      conv2: [null, 26, 26, 256],
      pool2: [null, 13, 13, 256],
      conv4: [null, 13, 13, 1024],
      pool5: [null, 6, 6, 512],
    });
  });

  it("keeps the paper's two towers apart in conv2, conv4, conv5 and joins them in conv3", async () => {
    const net = alexnet({ layout: 'paper', inputShape: [67, 67, 3], classes: 5, fcUnits: 8 });
    const kernel = (name: string) => (net.getLayer(name) as Conv2D).kernel.shape;
    expect([kernel('conv2'), kernel('conv3'), kernel('conv4'), kernel('conv5')]).toEqual([
      [5, 5, 48, 256],
      [3, 3, 256, 384],
      [3, 3, 192, 384],
      [3, 3, 192, 256],
    ]);
    await expectNoLeaks(() =>
      tf.tidy(() => {
        // Changing tower 2's input channels leaves tower 1's outputs of conv2 as they were.
        const a = tf.randomUniform([1, 7, 7, 96]);
        const b = tf.concat([tf.slice(a, [0, 0, 0, 0], [1, 7, 7, 48]), tf.randomUniform([1, 7, 7, 48])], 3);
        const conv2 = net.getLayer('conv2');
        const [ya, yb] = [conv2.call([a], {}), conv2.call([b], {})];
        const first = (y: tf.Tensor) => tf.slice(y, [0, 0, 0, 0], [1, 7, 7, 128]);
        expect(first(ya).arraySync()).toEqual(first(yb).arraySync());
        expect(tf.any(tf.notEqual(ya, yb)).dataSync()[0]).toBe(1);
        const acts = net.run(tf.randomUniform([1, 67, 67, 3]), { outputs: ['lrn2', 'pool5', 'fc8'] });
        expect([acts.lrn2!.shape, acts.pool5!.shape, acts.fc8!.shape]).toEqual([
          [1, 7, 7, 256],
          [1, 1, 1, 256],
          [1, 5],
        ]);
      }),
    );
    net.dispose();
  });

  it('run forward at small inputs in both AlexNet layouts and ZFNet', async () => {
    for (const net of [
      alexnet({ inputShape: [63, 63, 3], classes: 4, fcUnits: 8 }),
      zfnet({ inputShape: [64, 64, 3], classes: 4, fcUnits: 8, wide: false }),
    ]) {
      const y = await expectNoLeaks(() =>
        tf.tidy(() => net.predict(tf.randomUniform([2, ...net.inputs[0]!.shape.slice(1)] as number[]))),
      );
      expect(y.shape).toEqual([2, 4]);
      y.dispose();
      net.dispose();
    }
    expect(() => alexnet({ layout: 'caffe' as 'paper' })).toThrow(ZooError);
  });
});
