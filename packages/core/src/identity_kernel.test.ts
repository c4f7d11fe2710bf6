import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { installKernels } from './kernels';
import { expectNoLeaks } from './leak';

// Runs on this file's backend (cpu or wasm: one vitest project each).
const backend = tf.getBackend();

describe(`Identity on ${backend}`, () => {
  it('clones share data that outlives the original, and freeing both frees it', async () => {
    const before = tf.memory().numBytes;
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const y = await expectNoLeaks(() => tf.clone(x));
    expect(y.dataId === x.dataId || backend !== 'wasm').toBe(true);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    // Results computed from the clone get memory of their own.
    const z = tf.add(y, 1);
    expect(Array.from(z.dataSync())).toEqual([2, 3, 4, 5]);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    tf.dispose([y, z]);
    expect(tf.memory().numBytes).toBe(before);
  });

  it('keeps gradients through saved (cloned) tensors and variables that are reassigned', () => {
    const [v, ones, fives] = [tf.variable(tf.tensor1d([1, 2, 3])), tf.ones([3]), tf.tensor1d([5, 5, 5])];
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.square(t), v)))(ones);
    v.assign(fives);
    expect(Array.from(g.dataSync())).toEqual([2, 4, 6]);
    expect(Array.from(v.dataSync())).toEqual([5, 5, 5]);
    tf.dispose([v, ones, fives, g]);
  });

  it('clones string tensors as before', () => {
    const s = tf.tensor1d(['a', 'b'], 'string');
    const c = tf.clone(s);
    s.dispose();
    expect(c.arraySync()).toEqual(['a', 'b']);
    c.dispose();
  });

  it.runIf(backend === 'wasm')('replaces the native kernel on wasm', () => {
    expect(installKernels(backend).replaced).toContain('Identity');
  });
});
