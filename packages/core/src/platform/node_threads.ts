import { createRequire } from 'node:module';
import os from 'node:os';
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Multithreaded XNNPACK for tfjs' wasm backend in Node.
 *
 * tfjs ships a threaded SIMD binary, built by Emscripten with Node support, but never loads it in Node
 * (`WASM_HAS_MULTITHREAD_SUPPORT` answers false there: tensorflow/tfjs#3830). Three things stand in the way,
 * each bridged here only while the backend initialises, and one after:
 *
 * 1. tfjs hands Emscripten its pthread worker script as a `blob:` URL and its main script as a `Blob`;
 *    Node's `Worker` takes neither. A `Worker` subclass runs the same worker source (exported by the
 *    package) with `eval: true` and names the main script by its file path.
 * 2. Emscripten replaces `globalThis.Worker` with Node's own on start-up; a setter that ignores the
 *    assignment keeps the subclass in place.
 * 3. The binary caps its thread pool at half the logical cores Emscripten counts (`os.cpus()`), assuming
 *    two hyperthreads a core: one thread on a 2-vCPU machine. `os.cpus()` reports enough cores for the
 *    requested count.
 *
 * 4. Emscripten keeps a reference to every worker running a pthread, so Node would never exit; they are
 *    unreferenced once the pool runs.
 *
 * Measured on 2 vCPUs: matmul 1024² 68 ms against 134 ms, the MNIST CNN's conv2 39 ms against 77 ms.
 */

const require = createRequire(import.meta.url);
const WASM_OUT = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd';

/**
 * Prepares the next wasm backend initialisation to load the threaded binary with `threads` threads.
 * Returns the function that undoes the global patches; call it once `tf.setBackend('wasm')` has settled.
 * Throws when the threaded binary's scripts cannot be found (a bundle that left them out).
 */
export function prepareWasmThreads(threads: number): () => void {
  const mainScript = require.resolve(`${WASM_OUT}.js`);
  const { wasmWorkerContents } = require(`${WASM_OUT}.worker.js`) as { wasmWorkerContents: string };
  // tfjs escapes newlines the same way before it makes its blob: the source holds '\n' in string literals.
  const workerSource = wasmWorkerContents.replace(/\n/g, '\\n');

  class PthreadWorker extends NodeWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      const isBlob = typeof url === 'string' && url.startsWith('blob:');
      super(isBlob ? workerSource : url, isBlob ? { ...options, eval: true } : options);
    }

    override postMessage(message: unknown, transfer?: Parameters<NodeWorker['postMessage']>[1]): void {
      const m = message as { cmd?: string; urlOrBlob?: unknown } | null;
      // The worker loads the main script with `importScripts`, which reads files in Node.
      const load = m?.cmd === 'load' && typeof m.urlOrBlob !== 'string';
      super.postMessage(load ? { ...m, urlOrBlob: mainScript } : message, transfer);
    }
  }

  const globals = globalThis as { Worker?: unknown };
  const previousWorker = Object.getOwnPropertyDescriptor(globals, 'Worker');
  Object.defineProperty(globals, 'Worker', {
    configurable: true,
    get: () => PthreadWorker,
    set: () => {},
  });
  const cpus = os.cpus;
  const cores = cpus();
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => cores[i % cores.length]!);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);

  return () => {
    os.cpus = cpus;
    if (previousWorker) Object.defineProperty(globals, 'Worker', previousWorker);
    else delete globals.Worker;
    // Emscripten holds a reference to each worker running a pthread, and XNNPACK's pool threads run for
    // good: Node would never exit. The main thread waits for the pool synchronously, so it needs no event
    // loop reference to them.
    for (const worker of pthreadWorkers()) worker.unref();
  };
}

/** The workers running the wasm backend's pthreads, if it has started with the threaded binary. */
function pthreadWorkers(): NodeWorker[] {
  const engine = tf.engine() as unknown as { registry: Record<string, { wasm?: unknown } | undefined> };
  const module = engine.registry.wasm?.wasm as { PThread?: { runningWorkers?: NodeWorker[] } } | undefined;
  return module?.PThread?.runningWorkers ?? [];
}
