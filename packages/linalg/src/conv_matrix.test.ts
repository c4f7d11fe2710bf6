import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { convMatrix } from './conv_matrix';
import { LinalgError } from './errors';

describe('convMatrix', () => {
  it.each([
    [[6, 7, 2], [3, 3, 2, 3], 1, 'valid'],
    [[6, 7, 2], [3, 3, 2, 3], 1, 'same'],
    [[7, 6, 1], [3, 2, 1, 2], [2, 1], 'same'],
    [[8, 8, 3], [5, 5, 3, 4], 2, 'valid'],
    [[5, 5, 1], [3, 3, 1, 1], 1, 1],
  ] as const)(
    'times the flattened %j input equals conv2d with kernel %j, strides %j, padding %j',
    async (shape, kshape, strides, padding) => {
      const rng = new Rng(shape[0] * 10 + kshape[0]);
      const kernel = rng.randomNormal([...kshape]) as tf.Tensor4D;
      const x = rng.randomNormal([1, ...shape]) as tf.Tensor4D;
      const m = await expectNoLeaks(() =>
        convMatrix(kernel, [...shape], { strides: strides as number, padding }),
      );
      const conv = tf.conv2d(x, kernel, strides as number, padding);
      expect(m.shape).toEqual([conv.size, x.size]);
      const viaMatrix = tf.matMul(m, tf.reshape(x, [x.size, 1]));
      const diff = tf.max(tf.abs(tf.sub(tf.reshape(viaMatrix, [-1]), tf.reshape(conv, [-1])))).dataSync()[0]!;
      expect(diff).toBeLessThan(1e-4);
      tf.dispose([kernel, x, m, conv, viaMatrix]);
    },
  );

  it('says what it expected', () => {
    const k = tf.zeros([3, 3, 2, 1]);
    expect(() => convMatrix(k, [4, 4, 3])).toThrow(LinalgError);
    expect(() => convMatrix(k, [4, 4, 3])).toThrow(/\[h, w, 2\].*\[4,4,3\]/);
    k.dispose();
  });
});
