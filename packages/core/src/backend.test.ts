import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { ready } from './backend';
import { BackendError } from './errors';

const projectBackend = tf.getBackend();

describe('ready in Node', () => {
  afterAll(() => ready({ backend: projectBackend }));

  it("'auto' takes tfjs-node when it works, else falls back to wasm, saying why", async () => {
    const report = await ready();
    expect(report.platform).toBe('node');
    expect(tf.getBackend()).toBe(report.backend);
    const [first, ...rest] = report.skipped;
    if (report.backend === 'tensorflow') {
      expect(report.skipped).toEqual([]);
    } else {
      // This machine: tfjs-node is installed but its install script could not fetch libtensorflow.
      expect(report.backend).toBe('wasm');
      expect(first).toEqual({ backend: 'tensorflow', reason: expect.stringMatching(/tfjs-node/) });
      expect(rest).toEqual([
        { backend: 'webgpu', reason: 'runs in a browser only' },
        { backend: 'webgl', reason: 'runs in a browser only' },
      ]);
      expect(report.filledKernels).toEqual(expect.arrayContaining(['Conv2DBackpropFilter']));
    }
  });

  it('honours a backend asked for by name, and answers a repeated request from the same report', async () => {
    const cpu = await ready({ backend: 'cpu' });
    expect(cpu).toMatchObject({
      backend: 'cpu',
      skipped: [],
      filledKernels: [],
      replacedKernels: ['Conv2DBackpropFilter'],
    });
    expect(await ready({ backend: 'cpu' })).toBe(cpu);
    const [a, b] = await Promise.all([ready({ backend: 'wasm' }), ready({ backend: 'wasm' })]);
    expect(a).toBe(b);
    expect(tf.getBackend()).toBe('wasm');
    // Switching away and back re-initialises instead of returning a stale report.
    await ready({ backend: 'cpu' });
    expect((await ready({ backend: 'wasm' })).backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('fails with a BackendError naming the reason for a backend this platform cannot run', async () => {
    const error = await ready({ backend: 'webgl' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toBe(
      "ready: backend 'webgl' is unusable: webgl: runs in a browser only",
    );
    expect((error as BackendError).attempts).toEqual([
      { backend: 'webgl', reason: 'runs in a browser only' },
    ]);
  });

  it('rejects an unknown backend name, listing the known ones', async () => {
    await expect(ready({ backend: 'cuda' })).rejects.toThrow(
      /unknown backend 'cuda'; expected 'auto' or one of tensorflow, webgpu, webgl, wasm, cpu/,
    );
    // A failed request leaves ready usable.
    expect((await ready({ backend: 'cpu' })).backend).toBe('cpu');
  });

  it('registers every gradient and the chained tensor methods', async () => {
    await ready({ backend: projectBackend });
    const x = tf.tensor1d([1, 2, 3]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.square(v)))(x);
    expect(Array.from(g.dataSync())).toEqual([2, 4, 6]);
    expect(typeof x.square).toBe('function');
    tf.dispose([x, g]);
  });
});
