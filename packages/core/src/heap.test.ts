import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { hostData } from './heap';

describe('hostData', () => {
  it("is a tensor's values, a view of the wasm heap without a copy, and dataSync elsewhere", () => {
    const x = tf.tensor2d([1.5, -2, 0, 4e-8, 3, 7], [2, 3]);
    const n = tf.tensor1d([3, -1, 2 ** 30], 'int32');
    expect(Array.from(hostData(x))).toEqual(Array.from(x.dataSync()));
    expect(Array.from(hostData(n))).toEqual([3, -1, 2 ** 30]);
    expect(hostData(n)).toBeInstanceOf(Int32Array);
    // Views of one heap share its buffer; copies never do.
    const shared = hostData(x).buffer === hostData(n).buffer;
    expect(shared).toBe(tf.getBackend() === 'wasm');
    tf.dispose([x, n]);
  });
});
