import { Rng, ready } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import convnetjs from 'convnetjs';
import { seedsCnn } from './layers_train';
import { report, timeEach } from './report';

/**
 * The seeds' MNIST CNN trained by ConvNetJS (Karpathy's JavaScript library: float64 loops, one example at
 * a time, gradients summed over a batch of 64) against @cnn/layers on wasm in the same process, steps
 * alternating: images/s of each and their ratio. ConvNetJS 0.3.0 has no Adam: SGD with momentum (the
 * update is a sliver of the step either way).
 */
export async function convnetjsTrain(backends: string[], batch = 64): Promise<void> {
  const backend = backends.includes('wasm') ? 'wasm' : backends[0]!;
  await ready({ backend });
  const rng = new Rng(1);
  const images = rng.randomUniform([batch, 28, 28, 1]) as tf.Tensor4D;
  const labels = Int32Array.from({ length: batch }, () => rng.int(10));

  const net = new convnetjs.Net();
  net.makeLayers([
    { type: 'input', out_sx: 28, out_sy: 28, out_depth: 1 },
    { type: 'conv', sx: 5, filters: 32, stride: 1, pad: 2, activation: 'relu' },
    { type: 'pool', sx: 2, stride: 2 },
    { type: 'conv', sx: 5, filters: 64, stride: 1, pad: 2, activation: 'relu' },
    { type: 'pool', sx: 2, stride: 2 },
    { type: 'fc', num_neurons: 1024, activation: 'relu' },
    { type: 'softmax', num_classes: 10 },
  ]);
  const trainer = new convnetjs.Trainer(net, {
    method: 'sgd',
    learning_rate: 1e-3,
    momentum: 0.9,
    batch_size: batch,
  });
  const pixels = images.dataSync();
  const vols = Array.from({ length: batch }, (_, i) => {
    const v = new convnetjs.Vol(28, 28, 1, 0);
    v.w.set(pixels.subarray(i * 784, (i + 1) * 784));
    return v;
  });
  // ConvNetJS takes seconds a batch: time a slice of it, one example at a time as it trains.
  const slice = 8;
  let next = 0;
  const theirs = async () => {
    for (let i = 0; i < slice; i++, next = (next + 1) % batch) trainer.train(vols[next]!, labels[next]!);
  };

  const ours = seedsCnn();
  const y = tf.tensor1d(labels, 'int32');
  const step = async () => void (await ours.fit({ x: images, y }, { batchSize: batch, progress: false }));
  const [theirsSeconds, oursSeconds] = (await timeEach([theirs, step], { warmup: 1, runs: 3 })) as [
    number,
    number,
  ];
  const [theirsRate, oursRate] = [slice / theirsSeconds, batch / oursSeconds];
  report({
    bench: 'mnist-cnn-train-step',
    backend: 'js',
    batch,
    library: 'ConvNetJS',
    value: theirsRate,
    unit: 'images/s',
  });
  report({
    bench: 'mnist-cnn-train-step',
    backend,
    batch,
    library: '@cnn/layers',
    value: oursRate,
    unit: 'images/s',
  });
  report({
    bench: 'mnist-cnn-train-step',
    backend,
    batch,
    value: oursRate / theirsRate,
    unit: '× ConvNetJS',
  });
  ours.compiled.optimizer.dispose();
  ours.dispose();
  tf.dispose([images, y]);
}
