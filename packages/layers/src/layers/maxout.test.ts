import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gradientCheck } from '../gradient_check';
import { Maxout } from './maxout';

/** Distinct values (a permutation scaled), so no group has a tie for its max. */
function distinct(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const order = new Rng(seed).permutation(n);
  return tf.tensor(
    Array.from(order, (v) => (v - n / 2) * 0.37),
    shape,
  );
}

describe('Maxout', () => {
  it('takes the max over channels [j·k, (j + 1)·k), checked against a loop', async () => {
    const layer = new Maxout({ pieces: 3 });
    const x = distinct([2, 2, 2, 6], 1);
    const y = await expectNoLeaks(() => layer.apply(x));
    expect(y.shape).toEqual([2, 2, 2, 2]);
    expect(layer.computeOutputShape([[null, 2, 2, 6]])).toEqual([null, ...y.shape.slice(1)]);
    const v = x.dataSync();
    const expected: number[] = [];
    for (let pixel = 0; pixel < 8; pixel++) {
      for (let j = 0; j < 2; j++) {
        let m = -Infinity;
        for (let i = j * 3; i < (j + 1) * 3; i++) m = Math.max(m, v[pixel * 6 + i]!);
        expected.push(m);
      }
    }
    expect(Array.from(y.dataSync())).toEqual(expected);
    tf.dispose([x, y]);
  });

  it('works on rank 2 (after Dense) and passes the gradient check', () => {
    const layer = new Maxout({ pieces: 2 });
    const x = distinct([3, 8], 2);
    expect(layer.computeOutputShape([[null, 8]])).toEqual([null, 4]);
    expect(gradientCheck(layer, [x]).maxRelativeError).toBeLessThan(1e-2);
    x.dispose();
  });

  it('sends the gradient to the winning piece only', () => {
    const layer = new Maxout({ pieces: 2 });
    const x = tf.tensor2d([[1, 5, 4, 2]]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(layer.call([t])))(x);
    expect(Array.from(g.dataSync())).toEqual([0, 1, 1, 0]);
    tf.dispose([x, g]);
  });

  it('names the layer and the shapes when the channels do not divide', () => {
    const layer = new Maxout({ name: 'mx', pieces: 4 });
    expect(() => layer.computeOutputShape([[null, 5, 5, 6]])).toThrow(
      'mx: the 6 channels of its input [null, 5, 5, 6] are not a multiple of pieces = 4',
    );
    expect(() => layer.computeOutputShape([[null, null]])).toThrow('mx: needs a known last (channel) axis');
    expect(() => new Maxout({ pieces: 0 })).toThrow(/pieces must be a positive integer/);
    expect(new Maxout({ name: 'm', pieces: 2 }).getConfig()).toEqual({
      name: 'm',
      trainable: true,
      pieces: 2,
    });
  });
});
