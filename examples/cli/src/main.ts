#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ProgressBar, Rng, ready } from '@cnn/core';
import { Dataset, type LabeledExample, mnistEmbedded, split } from '@cnn/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { type MnistCnn, mnistCnn } from './mnist_cnn.js';

const HELP = `cnn-example: train the seeds' MNIST CNN on real MNIST digits and report accuracy and speed

Usage: cnn-example [--backend auto|tensorflow|wasm|cpu] [--steps N] [--batch N] [--lr X] [--seed N]

  --backend  backend to train on (default: auto, the fastest that works here)
  --steps    Adam steps to take (default: 50)
  --batch    images per step (default: 64)
  --lr       Adam's learning rate (default: 0.001)
  --seed     seed of the weights, the split and the shuffle (default: 1)

The data are the 10,000 MNIST digits embedded in @cnn/datasets (no download): 8,000 to train on, 2,000
held out for the test accuracy, split stratified by class.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'auto' },
      steps: { type: 'string', default: '50' },
      batch: { type: 'string', default: '64' },
      lr: { type: 'string', default: '0.001' },
      seed: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const steps = positiveInteger('steps', values.steps);
  const batch = positiveInteger('batch', values.batch);
  const seed = positiveInteger('seed', values.seed);
  const lr = Number(values.lr);
  if (!(lr > 0)) usage(`--lr takes a positive number, got '${values.lr}'`);

  const report = await ready({ backend: values.backend });
  console.log(`backend: ${report.backend} (${report.platform})`);
  for (const { backend, reason } of report.skipped) console.log(`  skipped ${backend}: ${reason}`);
  if (report.filledKernels.length) console.log(`  kernels filled in: ${report.filledKernels.join(', ')}`);
  if (report.replacedKernels.length) {
    console.log(`  kernels replaced by faster compositions: ${report.replacedKernels.join(', ')}`);
  }

  const { train, test } = split(await mnistEmbedded(), { train: 8000, test: 2000 }, { seed });
  const rng = new Rng(seed);
  const model = mnistCnn(rng.fork());
  const batches = Dataset.fromImages(train)
    .shuffle(8000, { seed })
    .batch(batch, { dropRemainder: true })
    .map(({ x, y }) => ({ x: tf.div(x, 255) as tf.Tensor4D, y }))
    .repeat()
    .take(steps);
  const optimizer = tf.train.adam(lr);
  let tensorsAfterFirstStep = 0;

  const bar = new ProgressBar({ total: steps * batch, label: 'train', unit: 'img' });
  const losses: number[] = [];
  let step = 0;
  let timed = 0;
  let timedSeconds = 0;
  for await (const { x, y } of batches) {
    const start = performance.now();
    const loss = optimizer.minimize(() => model.loss(x, y), true, model.variables);
    losses.push((await loss!.data())[0]!);
    tf.dispose([loss!, x, y]);
    if (++step === 1) {
      // The first step creates Adam's moment estimates and compiles kernels: the rate and the leak check
      // start after it.
      tensorsAfterFirstStep = tf.memory().numTensors;
    } else {
      timed += batch;
      timedSeconds += (performance.now() - start) / 1000;
    }
    bar.update(step * batch, { loss: losses.at(-1)! });
  }
  bar.finish();
  const leaked = steps > 1 ? tf.memory().numTensors - tensorsAfterFirstStep : 0;
  optimizer.dispose();
  const accuracy = await evaluate(model, Dataset.fromImages(test));
  model.dispose();

  const rate = timedSeconds > 0 ? timed / timedSeconds : Number.NaN;
  console.log(
    [
      '',
      `Trained the MNIST CNN (conv5×5-32, pool, conv5×5-64, pool, fc1024, fc10; Adam) on ${report.backend}:`,
      `  ${steps} steps of ${batch} of 8,000 MNIST digits; loss ${losses[0]!.toFixed(3)} → ${losses.at(-1)!.toFixed(3)}`,
      `  test accuracy ${(100 * accuracy).toFixed(2)}% on 2,000 held-out digits`,
      `  ${rate.toFixed(1)} images/s (forward, backward and update; first step excluded)`,
      `  tensors left behind by the loop: ${leaked}`,
    ].join('\n'),
  );
  if (leaked !== 0) process.exitCode = 1;
}

/** The share of a set's images whose largest logit is their label. */
async function evaluate(model: MnistCnn, set: Dataset<LabeledExample>): Promise<number> {
  let correct = 0;
  let total = 0;
  for await (const { x, y } of set.batch(500)) {
    const hits = tf.tidy(() =>
      tf.sum(tf.cast(tf.equal(tf.argMax(model.logits(tf.div(x, 255) as tf.Tensor4D), 1), y), 'int32')),
    );
    correct += (await hits.data())[0]!;
    total += y.shape[0];
    tf.dispose([hits, x, y]);
  }
  return correct / total;
}

function positiveInteger(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) usage(`--${name} takes a positive integer, got '${value}'`);
  return n;
}

function usage(message: string): never {
  console.error(`cnn-example: ${message}\n\n${HELP}`);
  process.exit(2);
}

main().catch((error: unknown) => {
  console.error(`cnn-example: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
