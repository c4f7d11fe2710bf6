import { expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { alphagoPolicy } from './alphago';
import { ZooError } from './common';

describe('alphagoPolicy', () => {
  it('maps 19×19×48 planes to 361 move logits through 12 ReLU layers and a per-position bias', async () => {
    const net = alphagoPolicy({ filters: 8, seed: 4 });
    expect(net.nodes.map((n) => n.name).filter((n) => /^conv\d+$/.test(n))).toHaveLength(13);
    const bias = net.getLayer('bias').weights[0]!.variable;
    expect(bias.shape).toEqual([19, 19, 1]);
    await expectNoLeaks(() =>
      tf.tidy(() => {
        bias.assign(tf.reshape(tf.range(0, 361), [19, 19, 1])); // a different bias at each point
        const a = net.run(tf.randomUniform([2, 19, 19, 48]), {
          outputs: ['conv1', 'conv12', 'conv13', 'logits'],
        });
        expect([a.conv1!.shape, a.conv12!.shape, a.logits!.shape]).toEqual([
          [2, 19, 19, 8],
          [2, 19, 19, 8],
          [2, 361],
        ]);
        const expected = tf.add(tf.reshape(a.conv13!, [2, 361]), tf.range(0, 361));
        expect(tf.max(tf.abs(tf.sub(a.logits!, expected))).dataSync()[0]).toBeLessThan(1e-4);
      }),
    );
    expect(net.getLayer('conv1').weights[0]!.variable.shape).toEqual([5, 5, 48, 8]);
    expect(net.getLayer('conv2').weights[0]!.variable.shape).toEqual([3, 3, 8, 8]);
    expect(() => alphagoPolicy({ filters: 0 })).toThrow(ZooError);
    net.dispose();
  });
});
