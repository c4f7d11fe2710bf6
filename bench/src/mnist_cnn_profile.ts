import { Rng, ready } from '@cnn/core';
import { mnistCnn, randomBatch } from '@cnn/example-cli/mnist-cnn';
import * as tf from '@tensorflow/tfjs-core';
import { seedsCnn } from './layers_train';
import { report } from './report';

/** Kernels listed per backend: the rest are summed into one line. */
const TOP = Number(process.env.CNN_PROFILE_TOP ?? 20);

/**
 * Where a training step (forward, backward, Adam) of the seeds' MNIST CNN spends its time, kernel by
 * kernel: one line per kernel and input shapes, with its own time (ms a step, nested kernels excluded:
 * core's composites run other kernels) and its launches a step. Not on cpu, whose step takes minutes.
 *
 * `tf.profile` cannot separate a composite's time from that of the kernels it runs, so each registered
 * kernel function of the backend is wrapped for the timed steps and restored after.
 */
export async function mnistCnnProfile(backends: string[], batch = 64, steps = 3): Promise<void> {
  for (const backend of backends.filter((b) => b !== 'cpu')) {
    const { wasmThreads } = await ready({ backend });
    const detail = { backend, batch, ...(wasmThreads !== undefined && { threads: wasmThreads }) };
    const rng = new Rng(1);
    const { images, labels } = randomBatch(rng.fork(), batch);

    // tfjs ops and tfjs' Adam (the kernel benchmark's step).
    const model = mnistCnn(rng.fork());
    const optimizer = tf.train.adam(1e-4);
    await profile({ ...detail, library: 'tfjs ops' }, backend, steps, async () => {
      const cost = optimizer.minimize(() => model.loss(images, labels), true, model.variables);
      await cost?.data();
      cost?.dispose();
    });
    optimizer.dispose();
    model.dispose();

    // @cnn/layers' fit (what the CLI runs).
    const net = seedsCnn();
    await profile({ ...detail, library: '@cnn/layers' }, backend, steps, async () => {
      await net.fit({ x: images, y: labels }, { batchSize: batch, progress: false });
    });
    net.compiled.optimizer.dispose();
    net.dispose();
    tf.dispose([images, labels]);
  }
}

/** Profiles `steps` calls of `step` after two warm-up calls, reporting the top kernels and the total. */
async function profile(
  detail: Record<string, string | number>,
  backend: string,
  steps: number,
  step: () => Promise<void>,
): Promise<void> {
  for (let i = 0; i < 2; i++) await step(); // compile and warm up
  const rows = await timeKernels(backend, async () => {
    for (let i = 0; i < steps; i++) await step();
  });
  const sorted = [...rows.entries()].sort((a, b) => b[1].ms - a[1].ms);
  for (const [kernel, { ms, launches }] of sorted.slice(0, TOP)) {
    report({
      bench: 'mnist-cnn-profile',
      ...detail,
      kernel,
      launches: launches / steps,
      value: ms / steps,
      unit: 'ms/step',
    });
  }
  const rest = sorted
    .slice(TOP)
    .reduce((sum, [, r]) => ({ ms: sum.ms + r.ms, launches: sum.launches + r.launches }), {
      ms: 0,
      launches: 0,
    });
  report({
    bench: 'mnist-cnn-profile',
    ...detail,
    kernel: 'all others',
    launches: rest.launches / steps,
    value: rest.ms / steps,
    unit: 'ms/step',
  });
  const total = sorted.reduce((sum, [, r]) => sum + r.ms, 0);
  report({ bench: 'mnist-cnn-profile', ...detail, kernel: 'total', value: total / steps, unit: 'ms/step' });
}

/** Own time and launches of each kernel (by name and input shapes) while `fn` runs. */
async function timeKernels(
  backend: string,
  fn: () => Promise<void>,
): Promise<Map<string, { ms: number; launches: number }>> {
  const rows = new Map<string, { ms: number; launches: number }>();
  const children: number[] = []; // time spent in nested kernels, per open kernel
  const configs = tf.getKernelsForBackend(backend);
  const originals = configs.map((config) => config.kernelFunc);
  configs.forEach((config, i) => {
    const original = originals[i]!;
    // The registry hands out these config objects: replacing the function re-routes the engine's calls.
    config.kernelFunc = (args) => {
      const start = performance.now();
      children.push(0);
      const out = original(args);
      const nested = children.pop()!;
      const elapsed = performance.now() - start;
      if (children.length > 0) children[children.length - 1]! += elapsed;
      const shapes = Object.values(args.inputs).map((t) => (t ? `[${t.shape}]` : '-'));
      const key = `${config.kernelName} ${shapes.join(' ')}`;
      const row = rows.get(key) ?? { ms: 0, launches: 0 };
      row.ms += elapsed - nested;
      row.launches += 1;
      rows.set(key, row);
      return out;
    };
  });
  try {
    await fn();
  } finally {
    configs.forEach((config, i) => {
      config.kernelFunc = originals[i]!;
    });
  }
  return rows;
}
