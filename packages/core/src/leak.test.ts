import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { TensorLeakError } from './errors';
import { countTensors, expectNoLeaks } from './leak';

describe('expectNoLeaks', () => {
  it('passes a function that disposes what it makes and hands back its result', async () => {
    const result = await expectNoLeaks(() => tf.tidy(() => tf.add(tf.ones([3]), tf.ones([3]))));
    expect(Array.from(result.dataSync())).toEqual([2, 2, 2]);
    result.dispose();
  });

  it('counts tensors returned anywhere in the result, once each', async () => {
    const out = await expectNoLeaks(async () => {
      const a = tf.scalar(1);
      const b = tf.scalar(2);
      return { a, list: [a, b], map: new Map([['b', b]]), nested: { deeper: [[tf.scalar(3)]] } };
    });
    expect(countTensors(out)).toBe(3);
    tf.dispose([out.a, out.list[1]!, out.nested.deeper[0]![0]!]);
  });

  it('throws a TensorLeakError that says how many leaked', async () => {
    let leaked: tf.Tensor[] = [];
    const returned = tf.scalar(0);
    const leaky = () => {
      leaked = [tf.zeros([2]), tf.zeros([2])];
      return returned;
    };
    const error = await expectNoLeaks(leaky, 'leaky').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TensorLeakError);
    expect((error as TensorLeakError).leaked).toBe(2);
    expect((error as Error).message).toMatch(/^leaky left 2 tensor\(s\) alive/);
    tf.dispose([...leaked, returned]);
  });

  it('ignores tensors already disposed', () => {
    const t = tf.scalar(1);
    t.dispose();
    expect(countTensors([t, { t }])).toBe(0);
  });
});
