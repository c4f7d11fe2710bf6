import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { MessageChannel, Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { prepareWasmThreads } from './node_threads';
import type { Platform } from './types';

export const platform: Platform = {
  name: 'node',

  async loadBackend(name) {
    if (name === 'webgpu' || name === 'webgl') return 'runs in a browser only';
    if (name !== 'tensorflow') return undefined;
    try {
      // Optional peer, present only where its install script could fetch libtensorflow. A variable
      // specifier keeps bundlers and the type checker from requiring it.
      const tfjsNode = '@tensorflow/tfjs-node';
      await import(tfjsNode);
      return undefined;
    } catch (error) {
      return `@tensorflow/tfjs-node is not usable: ${firstLine(error)}`;
    }
  },

  async configureWasm(wasm, threads) {
    // In Node the wasm backend reads its binaries beside its own module; only threads can be set, and
    // only before the backend first initialises.
    if (threads === undefined) return undefined;
    wasm.setThreadsCount(threads);
    const initialised = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm;
    if (threads <= 1 || initialised) return undefined;
    try {
      return prepareWasmThreads(threads);
    } catch {
      // The threaded binary's scripts are not where Node resolves them (a bundle that left them out):
      // one thread, as tfjs runs in Node; the report's `wasmThreads` says so.
      return undefined;
    }
  },

  cores: () => os.availableParallelism(),

  startThread(source, control, started) {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(source, {
      eval: true,
      workerData: { control, port: port2 },
      transferList: [port2],
    });
    const settle = (ok: boolean) => {
      worker.unref();
      port1.unref();
      started(ok);
    };
    port1.once('message', () => settle(true));
    worker.once('error', () => settle(false)); // its calls go to the other threads
    return port1;
  },

  async readFile(path) {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  },

  async writeFile(path, data) {
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temp, data);
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  },
};

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
