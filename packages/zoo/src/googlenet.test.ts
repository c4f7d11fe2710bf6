import { expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ZooError } from './common';
import { googlenet, inceptionTable } from './googlenet';

describe('googlenet', () => {
  it("has Table 1's output sizes: 28×28×256 at 3a … 7×7×1024 at 5b", () => {
    const net = googlenet({ build: false });
    const shape = (n: string) => net.nodes.find((node) => node.name === n)!.shape;
    expect(
      ['pool2', 'inception3a', 'inception3b', 'inception4a', 'inception4e', 'inception5b'].map(shape),
    ).toEqual([
      [null, 28, 28, 192],
      [null, 28, 28, 256],
      [null, 28, 28, 480],
      [null, 14, 14, 512],
      [null, 14, 14, 832],
      [null, 7, 7, 1024],
    ]);
    expect(inceptionTable.filter((r) => r !== 'maxpool')).toHaveLength(9);
    const aux = googlenet({ auxHeads: true, build: false });
    expect(aux.outputs.map((o) => [o.name, o.shape])).toEqual([
      ['fc', [null, 1000]],
      ['aux1.fc2', [null, 1000]],
      ['aux2.fc2', [null, 1000]],
    ]);
    expect(aux.nodes.find((n) => n.name === 'aux2.pool')!.shape).toEqual([null, 4, 4, 528]);
  });

  it('runs at 32×32 with every module and branch reachable, without leaks', async () => {
    const net = googlenet({ inputShape: [32, 32, 3], classes: 10 });
    const shapes = await expectNoLeaks(() =>
      tf.tidy(() => {
        const names = ['inception3a.5x5', 'inception3a', 'inception4c', 'inception5b', 'fc'];
        const a = net.run(tf.randomUniform([1, 32, 32, 3]), { outputs: names });
        // A module's output is its four branches side by side.
        const b = net.run(tf.ones([1, 32, 32, 3]), {
          outputs: [
            'inception3a.1x1',
            'inception3a.3x3',
            'inception3a.5x5',
            'inception3a.pool_proj',
            'inception3a',
          ],
        });
        const parts = ['inception3a.1x1', 'inception3a.3x3', 'inception3a.5x5', 'inception3a.pool_proj'];
        expect(b.inception3a!.arraySync()).toEqual(
          tf
            .concat(
              parts.map((p) => b[p]!),
              3,
            )
            .arraySync(),
        );
        return names.map((n) => a[n]!.shape);
      }),
    );
    expect(shapes).toEqual([
      [1, 4, 4, 32],
      [1, 4, 4, 256],
      [1, 2, 2, 512],
      [1, 1, 1, 1024],
      [1, 10],
    ]);
    net.dispose();
  });

  it('needs room for the auxiliary heads', () => {
    expect(() => googlenet({ auxHeads: true, inputShape: [64, 64, 3], build: false })).toThrow(ZooError);
    expect(googlenet({ auxHeads: true, inputShape: [80, 80, 3], build: false }).outputs).toHaveLength(3);
  });
});
