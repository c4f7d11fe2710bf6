import { Rng, ready } from '@cnn/core';
import { fromZoo } from '@cnn/zoo';
import * as tf from '@tensorflow/tfjs-core';
import { report, time } from './report';

/** Each family once, at its native input size (the registry's default for the name). */
const FAMILIES = [
  'lenet5',
  'mnist_cnn',
  'cifar_cnn',
  'all_cnn_c',
  'resnet20',
  'resnet110',
  'fractalnet',
  'alphago_policy',
  'alexnet',
  'alexnet_paper',
  'zfnet',
  'googlenet',
  'resnet18',
  'resnet50',
  'resnet152',
  'vgg16',
  'vgg19',
];

/**
 * Inference images/s of every zoo family at its native input size, batch 1 and 8 (issue 7; PyTorch
 * runs VGG-16 at 224×224 in 0.14–0.25 s on these 2 cores). Backends other than cpu only: the cpu
 * backend takes minutes for one VGG batch. Run with `--only zoo-inference --backends wasm --threads 2`.
 */
export async function zooInference(backends: string[]): Promise<void> {
  for (const backend of backends.filter((b) => b !== 'cpu')) {
    await ready({ backend });
    for (const name of FAMILIES) {
      const net = fromZoo(name);
      const shape = net.inputs[0]!.shape.slice(1) as number[];
      for (const batch of [1, 8]) {
        const x = new Rng(1).randomUniform([batch, ...shape]);
        const heavy = net.countParams() > 50e6 || shape[0]! >= 224;
        const seconds = await time(
          async () => {
            const y = net.predict(x);
            await y.data();
            y.dispose();
          },
          { warmup: 1, runs: heavy ? 3 : 5 },
        );
        x.dispose();
        report({
          bench: 'zoo-inference',
          value: batch / seconds,
          unit: 'images/s',
          backend,
          model: name,
          batch,
          input: shape.join('×'),
          secondsPerBatch: Number(seconds.toPrecision(4)),
        });
      }
      net.dispose();
    }
    if (tf.memory().numTensors > 0) console.error(`zoo-inference: ${tf.memory().numTensors} tensors left`);
  }
}
