import { Rng, ready } from '@cnn/core';
import { mnistCnn, randomBatch } from '@cnn/example-cli/mnist-cnn';
import * as tf from '@tensorflow/tfjs-core';
import { report, time } from './report';

type Step = 'forward-backward' | 'train-step';

/**
 * Training the seeds' MNIST CNN on a batch, as images/s on each backend: `forward-backward` (the loss and
 * its gradient for every weight) and `train-step` (the same plus Adam's update of every weight). Each runs
 * twice in one process: with core's kernel replacements (`ready()`'s default) and without them
 * (`replaceKernels: false`: tfjs' own kernels, core filling only those training needs), so the ratio is
 * free of the machine's load between runs. The cpu backend, whose replaced kernel alone takes minutes a
 * batch, runs once, replacements on.
 */
export async function mnistCnnTraining(backends: string[], batch = 64): Promise<void> {
  for (const backend of backends) {
    const rates = new Map<string, number>();
    for (const replaceKernels of backend === 'cpu' ? [true] : [false, true]) {
      const { wasmThreads } = await ready({ backend, replaceKernels });
      const kernels = replaceKernels ? 'core' : 'tfjs';
      const detail = { backend, batch, kernels, ...(wasmThreads !== undefined && { threads: wasmThreads }) };
      for (const step of ['forward-backward', 'train-step'] as const) {
        const seconds = await timeStep(step, batch, backend);
        rates.set(`${kernels}/${step}`, batch / seconds);
        report({ bench: `mnist-cnn-${step}`, ...detail, value: batch / seconds, unit: 'images/s' });
        report({ bench: `mnist-cnn-${step}`, ...detail, value: seconds * 1000, unit: 'ms/batch' });
        const baseline = rates.get(`tfjs/${step}`);
        if (replaceKernels && baseline !== undefined) {
          const rate = rates.get(`core/${step}`)!;
          report({ bench: `mnist-cnn-${step}`, ...detail, value: rate / baseline, unit: '× tfjs kernels' });
        }
      }
    }
  }
}

/** Seconds per step (median), on a fresh model and batch. */
async function timeStep(step: Step, batch: number, backend: string): Promise<number> {
  const rng = new Rng(1);
  const model = mnistCnn(rng.fork());
  const { images, labels } = randomBatch(rng.fork(), batch);
  const optimizer = tf.train.adam(1e-4);
  const loss = () => model.loss(images, labels);
  const run =
    step === 'train-step'
      ? async () => {
          const cost = optimizer.minimize(loss, true, model.variables);
          await cost?.data();
          cost?.dispose();
        }
      : async () => {
          const { value, grads } = tf.variableGrads(loss, model.variables);
          await Promise.all(Object.values(grads).map((g) => g.data()));
          tf.dispose([value, ...Object.values(grads)]);
        };
  // cpu takes minutes a batch: one timed run, no warm-up (it has no kernels to compile).
  const seconds = await time(run, backend === 'cpu' ? { warmup: 0, runs: 1 } : { warmup: 2, runs: 7 });
  optimizer.dispose();
  model.dispose();
  tf.dispose([images, labels]);
  return seconds;
}
