import * as tf from '@tensorflow/tfjs-core';
import { CnnError } from '../errors';
import type { Platform } from './types';

/**
 * The wasm binaries as `data:` URLs, each in a chunk of its own that loads only when wasm is chosen. Files
 * beside the bundle (`new URL(…, import.meta.url)`) break under Vite's dev server, which moves dependencies
 * into its pre-bundle; inlined binaries work in every bundler and server with no setup.
 */
const BINARIES = {
  plain: () => import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?inline'),
  simd: () => import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?inline'),
  threadedSimd: () =>
    import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?inline'),
};

let wasmConfigured = false;

export const platform: Platform = {
  name: 'browser',

  async loadBackend(name) {
    if (name === 'tensorflow') return 'runs in Node only';
    if (name === 'webgpu') {
      const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<unknown> } } | undefined)?.gpu;
      if (!gpu) return 'this browser has no navigator.gpu (WebGPU needs a secure context and support)';
      if ((await gpu.requestAdapter()) == null) return 'navigator.gpu gave no adapter';
      await import('@tensorflow/tfjs-backend-webgpu');
      return undefined;
    }
    if (name === 'webgl') {
      if (!hasWebGL()) return 'no WebGL context could be created';
      await import('@tensorflow/tfjs-backend-webgl');
      return undefined;
    }
    return undefined;
  },

  async configureWasm(wasm, threads) {
    if (!wasmConfigured) {
      // Load only the binary the backend will pick (it asks the same two questions); name it under every
      // file name the backend may ask for.
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      const binary = simd ? (multithread ? BINARIES.threadedSimd : BINARIES.simd) : BINARIES.plain;
      const url = (await binary()).default;
      wasm.setWasmPaths({
        'tfjs-backend-wasm.wasm': url,
        'tfjs-backend-wasm-simd.wasm': url,
        'tfjs-backend-wasm-threaded-simd.wasm': url,
      });
      wasmConfigured = true;
    }
    if (threads !== undefined) wasm.setThreadsCount(threads);
    return undefined;
  },

  cores: () => globalThis.navigator?.hardwareConcurrency ?? 1,

  async readFile(path) {
    throw new CnnError(
      `readImage reads files in Node; in a browser, fetch '${path}' and pass its bytes to decodeImage, ` +
        'or draw it and use fromPixels',
    );
  },

  async writeFile(path) {
    throw new CnnError(
      `writeImage writes files in Node; in a browser, use encodePng or toCanvas instead (path '${path}')`,
    );
  },
};

function hasWebGL(): boolean {
  try {
    const canvas =
      typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(1, 1) : document.createElement('canvas');
    return canvas.getContext('webgl2') != null || canvas.getContext('webgl') != null;
  } catch {
    return false;
  }
}
