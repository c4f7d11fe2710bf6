import { Rng, ready } from '@cnn/core';
import { mnistCnn, randomBatch } from '@cnn/example-cli/mnist-cnn';
import * as tf from '@tensorflow/tfjs-core';
import { report, time } from './report';

/**
 * Forward + backward (the loss and its gradient for every weight, no update) of the seeds' MNIST CNN on a
 * batch, as images/s on each backend; the ratio of each to the first.
 */
export async function mnistCnnForwardBackward(backends: string[], batch = 64): Promise<void> {
  let baseline = 0;
  for (const backend of backends) {
    await ready({ backend });
    const rng = new Rng(1);
    const model = mnistCnn(rng.fork());
    const { images, labels } = randomBatch(rng.fork(), batch);
    const seconds = await time(
      async () => {
        const { value, grads } = tf.variableGrads(() => model.loss(images, labels), model.variables);
        await Promise.all(Object.values(grads).map((g) => g.data()));
        tf.dispose([value, ...Object.values(grads)]);
      },
      // cpu takes minutes a batch: one timed run, no warm-up (it has no kernels to compile).
      backend === 'cpu' ? { warmup: 0, runs: 1 } : { warmup: 2, runs: 5 },
    );
    model.dispose();
    tf.dispose([images, labels]);
    const rate = batch / seconds;
    report({ bench: 'mnist-cnn-forward-backward', backend, batch, value: rate, unit: 'images/s' });
    report({ bench: 'mnist-cnn-forward-backward', backend, batch, value: seconds * 1000, unit: 'ms/batch' });
    if (backend === backends[0]) baseline = rate;
    else
      report({
        bench: 'mnist-cnn-forward-backward',
        backend,
        batch,
        value: rate / baseline,
        unit: `× ${backends[0]}`,
      });
  }
}
