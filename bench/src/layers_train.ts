import { installKernels, Rng, ready } from '@cnn/core';
import { Adam, type Model } from '@cnn/layers';
import { mnistCnn } from '@cnn/zoo';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { report, timeEach } from './report';

/** The seeds' MNIST CNN from @cnn/zoo (no dropout, as timed here), compiled with Adam (η = 1e-4) as in the seeds' TF listing. */
export function seedsCnn(): Model {
  return mnistCnn({ dropout: 0, seed: 1 }).compile({
    optimizer: new Adam({ learningRate: 1e-4 }),
    loss: 'softmaxCrossEntropy',
  });
}

/**
 * A full training step (forward, backward, Adam update) of the seeds' MNIST CNN, batch 64, built with
 * @cnn/layers and with tfjs-layers on the same backend, data and architecture: images/s of each and
 * their ratio, with core's kernels under both, then tfjs-layers on tfjs' own kernels (as it ships; on
 * wasm it runs at all only because `ready()` fills the kernels wasm lacks).
 */
export async function layersTrain(backends: string[], batch = 64): Promise<void> {
  for (const backend of backends) {
    await ready({ backend });
    const rng = new Rng(1);
    const x = rng.randomUniform([batch, 28, 28, 1]) as tf.Tensor4D;
    const labels = tf.tensor1d(
      Int32Array.from({ length: batch }, () => rng.int(10)),
      'int32',
    );
    const oneHot = tf.oneHot(labels, 10);
    // cpu takes many seconds a step: one timed run, no warm-up beyond the first (compiling) step.
    const runs = backend === 'cpu' ? { warmup: 1, runs: 1 } : { warmup: 2, runs: 9 };

    const ours = seedsCnn();
    const data = { x, y: labels };
    const theirs = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [28, 28, 1],
          filters: 32,
          kernelSize: 5,
          padding: 'same',
          activation: 'relu',
        }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.conv2d({ filters: 64, kernelSize: 5, padding: 'same', activation: 'relu' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 1024, activation: 'relu' }),
        tfl.layers.dense({ units: 10 }),
      ],
    });
    theirs.compile({
      optimizer: tf.train.adam(1e-4),
      loss: (yTrue, yPred) => tf.losses.softmaxCrossEntropy(yTrue, yPred),
    });
    // Alternating steps, so that load drifting over the run slows both alike.
    const [oursSeconds, theirsSeconds] = (await timeEach(
      [
        async () => void (await ours.fit(data, { batchSize: batch, progress: false })),
        async () => void (await theirs.trainOnBatch(x, oneHot)),
      ],
      runs,
    )) as [number, number];

    report({
      bench: 'mnist-cnn-train-step',
      backend,
      batch,
      library: '@cnn/layers',
      value: batch / oursSeconds,
      unit: 'images/s',
    });
    report({
      bench: 'mnist-cnn-train-step',
      backend,
      batch,
      library: 'tfjs-layers',
      value: batch / theirsSeconds,
      unit: 'images/s',
    });
    report({
      bench: 'mnist-cnn-train-step',
      backend,
      batch,
      value: theirsSeconds / oursSeconds,
      unit: '× tfjs-layers',
    });
    // tfjs-layers as it ships: tfjs' own kernels, only the missing ones filled (wasm cannot train otherwise).
    installKernels(backend, { replace: false });
    const [nativeSeconds] = await timeEach([async () => void (await theirs.trainOnBatch(x, oneHot))], {
      warmup: 1,
      runs: backend === 'cpu' ? 1 : 3,
    });
    installKernels(backend);
    report({
      bench: 'mnist-cnn-train-step',
      backend,
      batch,
      library: "tfjs-layers, tfjs' kernels",
      value: batch / nativeSeconds!,
      unit: 'images/s',
    });
    report({
      bench: 'mnist-cnn-train-step',
      backend,
      batch,
      value: nativeSeconds! / oursSeconds,
      unit: "× tfjs-layers on tfjs' kernels",
    });
    ours.compiled.optimizer.dispose();
    ours.dispose();
    theirs.dispose();
    tf.dispose([x, labels, oneHot]);
  }
}
