import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ready } from '../backend';
import { Rng } from '../random';

// Threads are fixed when wasm first initialises in a process: only the cpu project's process, which has
// not started wasm, can try them.
const projectBackend = tf.getBackend();
const wasmStarted = () =>
  (tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm != null;

describe('wasm threads in Node', () => {
  it.runIf(projectBackend === 'cpu' && !wasmStarted())(
    'runs the threaded binary with the threads asked for, computing what cpu computes',
    async () => {
      const rng = new Rng(41);
      const [x, f, a, b] = [
        rng.randomNormal([4, 12, 12, 8]),
        rng.randomNormal([3, 3, 8, 16]),
        rng.randomNormal([100, 120]),
        rng.randomNormal([120, 90]),
      ];
      const compute = () =>
        [tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'), tf.matMul(a, b)].map((t) => {
          const values = t.dataSync();
          t.dispose();
          return values;
        });
      const expected = compute();
      const cpus = os.cpus().length;
      const report = await ready({ backend: 'wasm', threads: 2 });
      try {
        expect(report.wasmThreads).toBe(2);
        // The patches made for the initialisation are gone.
        expect(os.cpus().length).toBe(cpus);
        expect((globalThis as { Worker?: unknown }).Worker).toBeUndefined();
        compute().forEach((values, i) => {
          const scale = Math.max(...Array.from(expected[i]!, Math.abs));
          values.forEach((v, j) => {
            expect(Math.abs(v - expected[i]![j]!)).toBeLessThan(1e-5 * scale);
          });
        });
      } finally {
        await ready({ backend: 'cpu' });
        tf.dispose([x, f, a, b]);
      }
    },
  );
});
