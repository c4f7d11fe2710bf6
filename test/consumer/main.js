// A Vite app using @cnn/core and @cnn/datasets with no configuration: backend choice, wasm binaries,
// gradients, images, the embedded MNIST digits through an augmented pipeline.

import { decodeImage, encodePng, ready } from '@cnn/core';
import { Augmenter, Dataset, mnistEmbedded } from '@cnn/datasets';
import * as tf from '@tensorflow/tfjs-core';

async function run() {
  const auto = await ready();
  const wasm = await ready({ backend: 'wasm' });
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1);
  const f = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2);
  const [, df] = tf.grads((a, b) => tf.sum(tf.square(tf.conv2d(a, b, 2, 'same'))))([x, f]);
  const image = decodeImage(await encodePng(tf.fill([3, 2, 3], 0.5)));
  const digits = await mnistEmbedded();
  const augment = new Augmenter({ seed: 0, rotate: 10 });
  const [batch] = await Dataset.fromImages(digits)
    .batch(8)
    .map(({ x, y }) => ({ x: augment.apply(x), y }))
    .take(1)
    .toArray();
  return {
    auto: auto.backend,
    skipped: auto.skipped.map((s) => s.backend),
    wasm: wasm.backend,
    filterGradientSum: (await tf.sum(df).data())[0],
    image: image.shape,
    digits: digits.shape,
    batch: batch.x.shape,
  };
}

run().then(
  (result) => (window.__result = result),
  (error) => (window.__result = { error: String(error?.stack ?? error) }),
);
