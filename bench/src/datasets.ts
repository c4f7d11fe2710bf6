import { ready } from '@cnn/core';
import { Augmenter, Dataset, encodeIdx, idxImageSet, mnistEmbedded, parseCifar } from '@cnn/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { gzipSync } from 'fflate';
import { report, time } from './report';

/**
 * Parsing throughput of the real formats (MNIST-sized IDX, raw and gzipped; CIFAR-10 batches) in MB/s of
 * file bytes and images/s, and batches/s of a shuffled, augmented 28×28 pipeline on each backend.
 */
export async function datasets(backends: string[]): Promise<void> {
  const digits = await mnistEmbedded();
  // 60,000 real digits (the embedded 10,000 six times): the size of MNIST's training file.
  const n = 60_000;
  const pixels = new Uint8Array(n * 784);
  for (let k = 0; k < 6; k++) pixels.set(digits.images, k * digits.images.length);
  const labels = Uint8Array.from({ length: n }, (_, i) => digits.labels[i % 10_000]!);
  const images = encodeIdx({ dtype: 'uint8', shape: [n, 28, 28], data: pixels });
  const labelFile = encodeIdx({ dtype: 'uint8', shape: [n], data: labels });
  const classes = digits.classes;
  for (const [name, imageBytes, labelBytes] of [
    ['idx', images, labelFile],
    ['idx-gz', gzipSync(images, { level: 6 }), gzipSync(labelFile, { level: 6 })],
  ] as const) {
    const seconds = await time(async () => void idxImageSet(imageBytes, labelBytes, classes), { runs: 5 });
    const mb = (imageBytes.length + labelBytes.length) / 1e6;
    // Raw IDX images are a view of the file's bytes (no copy): that figure is the cost of the checks alone.
    const note: Record<string, string> = name === 'idx' ? { note: 'zero-copy view' } : {};
    report({ bench: `parse-${name}`, value: mb / seconds, unit: 'MB/s', images: n, ...note });
    report({ bench: `parse-${name}`, value: n / seconds, unit: 'images/s', images: n, ...note });
  }

  // One CIFAR-10 batch file: 10,000 records of a label byte and 3,072 pixel bytes (planar RGB).
  const records = 10_000;
  const cifar = new Uint8Array(records * 3073);
  for (let i = 0; i < cifar.length; i++) cifar[i] = (i * 2654435761) >>> 24;
  for (let r = 0; r < records; r++) cifar[r * 3073] = r % 10;
  const seconds = await time(async () => void parseCifar(cifar, { variant: 'cifar10' }), { runs: 5 });
  report({ bench: 'parse-cifar10', value: cifar.length / 1e6 / seconds, unit: 'MB/s', images: records });
  report({ bench: 'parse-cifar10', value: records / seconds, unit: 'images/s', images: records });

  for (const backend of backends) {
    await ready({ backend });
    for (const augmented of [false, true]) {
      const augmenter = new Augmenter({
        seed: 0,
        crop: { padding: 2 },
        rotate: 10,
        colorJitter: { brightness: 0.2 },
      });
      const pipeline = Dataset.fromImages(digits)
        .shuffle(10_000, { seed: 0 })
        .batch(64)
        .map(({ x, y }) => {
          const scaled = tf.div(x, 255) as tf.Tensor4D;
          return { x: augmented ? augmenter.apply(scaled) : scaled, y: tf.oneHot(y, 10) };
        })
        .prefetch(2)
        .take(100);
      let batches = 0;
      const seconds = await time(
        async () => {
          batches = 0;
          for await (const { x, y } of pipeline) {
            await x.data(); // the batch is ready when its pixels are
            tf.dispose([x, y]);
            batches++;
          }
        },
        { warmup: 1, runs: 3 },
      );
      report({
        bench: augmented ? 'pipeline-augmented-28x28' : 'pipeline-28x28',
        backend,
        batch: 64,
        value: batches / seconds,
        unit: 'batches/s',
      });
    }
  }
}
