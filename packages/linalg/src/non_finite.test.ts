import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { eigh } from './eigh';
import { LinalgError } from './errors';
import { lstsq } from './lstsq';
import { cond, pinv, rank } from './pinv';
import { nullSpace, orth } from './subspaces';
import { svd } from './svd';

describe('non-finite input', () => {
  const calls: [string, (a: tf.Tensor) => unknown][] = [
    ['svd', (a) => svd(a)],
    ['svd (randomized)', (a) => svd(a, { k: 1 })],
    ['eigh', (a) => eigh(a)],
    ['pinv', (a) => pinv(a)],
    ['rank', (a) => rank(a)],
    ['cond', (a) => cond(a)],
    ['orth', (a) => orth(a)],
    ['nullSpace', (a) => nullSpace(a)],
    ['lstsq', (a) => lstsq(a, rhs)],
  ];
  const rhs = tf.ones([3, 1]);
  it.each(calls)('%s throws a LinalgError naming the value and where it is', (_, call) => {
    for (const [bad, text] of [
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
    ] as const) {
      const a = tf.tensor2d([1, 2, 0, 4, 5, 6, 7, 8, 9], [3, 3]).bufferSync();
      a.set(bad, 1, 2);
      const tensor = a.toTensor();
      const before = tf.memory().numTensors;
      expect(() => call(tensor)).toThrow(LinalgError);
      expect(() => call(tensor)).toThrow(new RegExp(`finite numbers, got ${text} at \\[1, 2\\]`));
      expect(tf.memory().numTensors).toBe(before);
      tensor.dispose();
    }
  });

  it('checks lstsq’s right-hand side too', () => {
    const b = tf.tensor1d([1, Number.NaN]);
    expect(() => lstsq(tf.eye(2), b)).toThrow(/lstsq: b must hold finite numbers, got NaN at \[1\]/);
    b.dispose();
  });
});
