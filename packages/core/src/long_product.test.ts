import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { isHeapBackend } from './heap';
import { addLongProduct } from './long_product';
import { Rng } from './random';

// The SIMD product runs on the wasm backend's memory only; elsewhere it must decline, leaving the work.
const backend = tf.getBackend();

describe(`addLongProduct on ${backend}`, () => {
  it.runIf(backend === 'wasm').each([
    [1, 5, 4],
    [3, 1, 8],
    [25, 2500, 32], // past a chunk of K, odd rows: MNIST conv1's shape, shortened
    [4, 1031, 20], // columns in a tile of 16 and one of 4
    [7, 300, 12],
  ])('adds A · B to C for [%i, %i] · [%i columns] against a float64 product', (m, k, n) => {
    const rng = new Rng(m * 1000 + k + n);
    const values = (count: number) => Float32Array.from({ length: count }, () => rng.normal());
    const [av, bv, cv] = [values(m * k), values(k * n), values(m * n)];
    const [a, b, c] = [tf.tensor2d(av, [m, k]), tf.tensor2d(bv, [k, n]), tf.tensor2d(cv, [m, n])];
    const heap = tf.backend();
    if (!isHeapBackend(heap)) throw new Error('wasm should expose its heap');
    const view = (t: tf.Tensor) => heap.typedArrayFromHeap(t) as Float32Array;
    expect(addLongProduct(heap, view(a), view(b), view(c), m, k, n)).toBe(true);
    const got = view(c).slice();
    let worst = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = cv[i * n + j]!;
        let scale = Math.abs(sum);
        for (let t = 0; t < k; t++) {
          sum += av[i * k + t]! * bv[t * n + j]!;
          scale += Math.abs(av[i * k + t]! * bv[t * n + j]!);
        }
        worst = Math.max(worst, Math.abs(got[i * n + j]! - sum) / (scale + 1));
      }
    }
    expect(worst).toBeLessThan(4e-7);
    // A and B are left as they were.
    expect(view(a)).toEqual(av);
    expect(view(b)).toEqual(bv);
    tf.dispose([a, b, c]);
  });

  it('declines where it cannot: columns not in fours, or no wasm memory', () => {
    const [a, b, c] = [new Float32Array(6), new Float32Array(6), new Float32Array(4)];
    expect(addLongProduct(tf.backend(), a, b, c, 2, 3, 2)).toBe(false);
    expect(addLongProduct({}, a, b, c, 2, 3, 4)).toBe(false);
  });
});
