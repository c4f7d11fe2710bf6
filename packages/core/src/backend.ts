import * as tf from '@tensorflow/tfjs-core';
import { platform } from '#platform';
import { BackendError, type SkippedBackend } from './errors';
import { registerGradients } from './gradients';
import { installKernels } from './kernels';

/** The backends `ready` knows, fastest first: the order `'auto'` tries them in. */
export const BACKENDS = ['tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface ReadyOptions {
  /** `'auto'` (the default) for the fastest that works here, or one backend by name. */
  backend?: 'auto' | BackendName | (string & {});
  /**
   * Threads for the wasm backend's XNNPACK pool, fixed when wasm first initialises in the process. In a
   * browser the page must be cross-origin isolated. In Node the default is one; more load tfjs' threaded
   * binary (which tfjs itself never does in Node): ~2× on convolutions and matmuls with 2 on 2 cores.
   */
  threads?: number;
  /**
   * Replace the backend's kernels that core measured slower than its own versions (default `true`).
   * `false` keeps tfjs' kernels, filling only those training needs: a baseline for benchmarks.
   */
  replaceKernels?: boolean;
}

/** What `ready` chose, and why. */
export interface BackendReport {
  /** The active backend. */
  readonly backend: string;
  readonly platform: 'node' | 'browser';
  /** Each faster backend passed over, in the order tried, with the reason. */
  readonly skipped: readonly SkippedBackend[];
  /** Kernels the backend lacks that `@cnn/core` provides: built from kernels it has, or its own fused ones. */
  readonly filledKernels: readonly string[];
  /** The backend's own kernels that `@cnn/core` replaced with faster versions. */
  readonly replacedKernels: readonly string[];
  /** Threads in the wasm backend's XNNPACK pool (wasm only). */
  readonly wasmThreads?: number;
}

let current: { key: string; report: BackendReport } | undefined;
let queue: Promise<unknown> = Promise.resolve();

/**
 * Chooses and initialises a backend, registers every gradient, fills the kernels the backend lacks for
 * training and replaces those measured slower than their composition (`filledKernels`, `replacedKernels`).
 * Call it once before using tensors; calling it again with the same request returns the same report, with
 * another backend switches to it.
 *
 * `'auto'` tries tfjs-node (when installed), then WebGPU and WebGL (in a browser), then wasm, then cpu.
 * A backend asked for by name is used or a {@link BackendError} says why not.
 *
 * @example
 * ```ts
 * const { backend, skipped } = await ready();
 * console.log(backend, skipped);   // 'wasm', [{ backend: 'tensorflow', reason: '…not usable…' }, …]
 * ```
 */
export function ready(options: ReadyOptions = {}): Promise<BackendReport> {
  const request = options.backend ?? 'auto';
  const key = `${request}/${options.threads ?? ''}/${options.replaceKernels ?? true}`;
  // One initialisation at a time; a repeated request is answered from the last report while it holds.
  const next = queue.then(async () => {
    if (current?.key === key && tf.getBackend() === current.report.backend) return current.report;
    const report = await choose(request, options);
    current = { key, report };
    return report;
  });
  queue = next.catch(() => undefined);
  return next;
}

async function choose(request: string, options: ReadyOptions): Promise<BackendReport> {
  const auto = request === 'auto';
  if (!auto && !(BACKENDS as readonly string[]).includes(request) && tf.findBackendFactory(request) == null) {
    throw new BackendError(
      `ready: unknown backend '${request}'; expected 'auto' or one of ${BACKENDS.join(', ')}` +
        ' (or the name of a backend registered with tf.registerBackend)',
    );
  }
  const candidates = auto ? BACKENDS : [request];
  const skipped: SkippedBackend[] = [];
  for (const name of candidates) {
    const reason = await tryBackend(name, options);
    if (reason === undefined) {
      await registerGradients();
      const { filled, replaced } = installKernels(name, { replace: options.replaceKernels ?? true });
      return {
        backend: name,
        platform: platform.name,
        skipped,
        filledKernels: [...filled],
        replacedKernels: [...replaced],
        ...(name === 'wasm' && {
          wasmThreads: (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount(),
        }),
      };
    }
    skipped.push({ backend: name, reason });
  }
  const tried = skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
  throw new BackendError(
    auto
      ? `ready: no backend could be initialised (${tried})`
      : `ready: backend '${request}' is unusable: ${tried}`,
    skipped,
  );
}

/** Makes `name` the active backend; resolves to why it cannot be, or `undefined` on success. */
async function tryBackend(name: string, options: ReadyOptions): Promise<string | undefined> {
  let settled: (() => void) | undefined;
  try {
    const reason = await platform.loadBackend(name);
    if (reason !== undefined) return reason;
    if (name === 'wasm')
      settled = await platform.configureWasm(await import('@tensorflow/tfjs-backend-wasm'), options.threads);
    if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
    if (tf.findBackendFactory(name) == null) return 'its module registered no backend of that name';
    const warnings: string[] = [];
    const ok = await withWarningsCaptured(warnings, () => tf.setBackend(name));
    if (!ok) return `initialisation failed${warnings.length ? `: ${warnings.join(' ').split('\n')[0]}` : ''}`;
    quietCpuGreeting();
    return undefined;
  } catch (error) {
    return error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
  } finally {
    settled?.();
  }
}

/** tfjs reports a failed backend initialisation only through console.warn: keep it as the reason. */
async function withWarningsCaptured<T>(sink: string[], fn: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => sink.push(args.map(String).join(' '));
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}

/**
 * The cpu backend greets its first Node user with advice to install tfjs-node; `ready`'s report already
 * says which backend runs and why, so the banner is switched off.
 */
function quietCpuGreeting(): void {
  const backend = tf.backend() as { firstUse?: boolean };
  if (tf.getBackend() === 'cpu' && backend.firstUse) backend.firstUse = false;
}
