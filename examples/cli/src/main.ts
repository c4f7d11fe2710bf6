#!/usr/bin/env node
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { ready } from '@cnn/core';
import { Augmenter, Dataset, mnistEmbedded, split } from '@cnn/datasets';
import { Adam, type Callback, formatSummary, summarize } from '@cnn/layers';
import { mnistCnn } from '@cnn/zoo';
import * as tf from '@tensorflow/tfjs-core';

const HELP = `cnn-example: train the seeds' MNIST CNN on real MNIST digits and report accuracy and speed

Usage: cnn-example [--backend auto|tensorflow|wasm|cpu] [--epochs N] [--batch N] [--lr X] [--seed N]
                   [--steps N] [--augment] [--summary]

  --backend  backend to train on (default: auto, the fastest that works here)
  --epochs   passes over the 8,000 training digits (default: 4)
  --batch    images per step (default: 64)
  --lr       Adam's learning rate (default: 0.001)
  --seed     seed of the weights, the split, the shuffles and dropout (default: 1)
  --steps    at most this many steps per epoch (default: all, 125 at batch 64)
  --augment  random crops (±2 pixels) and rotations (±8°) of the training digits
  --summary  print the layer table (shapes, parameters, activations) first

The data are the 10,000 MNIST digits embedded in @cnn/datasets (no download): 8,000 to train on, 2,000
held out for the test accuracy, split stratified by class.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'auto' },
      epochs: { type: 'string', default: '4' },
      batch: { type: 'string', default: '64' },
      lr: { type: 'string', default: '0.001' },
      seed: { type: 'string', default: '1' },
      steps: { type: 'string' },
      augment: { type: 'boolean', default: false },
      summary: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const epochs = positiveInteger('epochs', values.epochs);
  const batch = positiveInteger('batch', values.batch);
  const seed = positiveInteger('seed', values.seed);
  const steps = values.steps === undefined ? undefined : positiveInteger('steps', values.steps);
  const lr = Number(values.lr);
  if (!(lr > 0)) usage(`--lr takes a positive number, got '${values.lr}'`);

  // wasm runs its matmuls and convolutions on a thread per core when asked (Node's default is one).
  const report = await ready({ backend: values.backend, threads: availableParallelism() });
  const threads = report.wasmThreads
    ? `, ${report.wasmThreads} thread${report.wasmThreads === 1 ? '' : 's'}`
    : '';
  console.log(`backend: ${report.backend} (${report.platform}${threads})`);
  for (const { backend, reason } of report.skipped) console.log(`  skipped ${backend}: ${reason}`);
  if (report.filledKernels.length) console.log(`  kernels filled in: ${report.filledKernels.join(', ')}`);
  if (report.replacedKernels.length) {
    console.log(`  kernels replaced by faster ones: ${report.replacedKernels.join(', ')}`);
  }

  // The seeds' TensorFlow listing, from the zoo: conv5×5-32, pool, conv5×5-64, pool, fc1024, dropout 0.5, fc10.
  const model = mnistCnn({ seed }).compile({
    optimizer: new Adam({ learningRate: lr }),
    loss: 'softmaxCrossEntropy',
    metrics: ['accuracy'],
  });
  if (values.summary) console.log(`\n${formatSummary(summarize(model))}\n`);

  const { train, test } = split(await mnistEmbedded(), { train: 8000, test: 2000 }, { seed });
  const augment = values.augment ? new Augmenter({ seed, crop: { padding: 2 }, rotate: 8 }) : undefined;
  let trainBatches = Dataset.fromImages(train)
    .shuffle(8000, { seed })
    .batch(batch)
    .map(({ x, y }) => {
      const scaled = tf.div(x, 255) as tf.Tensor4D;
      return { x: augment ? augment.apply(scaled) : scaled, y };
    });
  if (steps !== undefined) trainBatches = trainBatches.take(steps);
  const testBatches = Dataset.fromImages(test)
    .batch(500)
    .map(({ x, y }) => ({ x: tf.div(x, 255), y }));

  // Tensors alive after each epoch: flat (Adam's state is made in the first step).
  const tensors: number[] = [];
  let images = 0;
  let seconds = 0;
  let epochStart = 0;
  const timing: Callback = {
    onEpochBegin: () => {
      epochStart = performance.now();
    },
    onBatchEnd: () => {
      images += batch;
    },
    onEpochEnd: () => {
      seconds += (performance.now() - epochStart) / 1000;
      tensors.push(tf.memory().numTensors);
    },
  };
  const started = performance.now();
  const history = await model.fit(trainBatches, {
    epochs,
    seed,
    validationData: testBatches,
    callbacks: [timing],
    progress: true,
  });
  const total = (performance.now() - started) / 1000;
  const leaked = tensors.at(-1)! - tensors[0]!;
  const first = history.epochs[0]!;
  const last = history.epochs.at(-1)!;
  model.compiled.optimizer.dispose();
  model.dispose();

  console.log(
    [
      '',
      `Trained the MNIST CNN (conv5×5-32, pool, conv5×5-64, pool, fc1024, dropout, fc10; Adam) on ${report.backend}:`,
      `  ${epochs} epoch${epochs === 1 ? '' : 's'} of ${Math.min(8000, (steps ?? 8000) * batch).toLocaleString('en-US')} of 8,000 MNIST digits, batch ${batch}${augment ? ', augmented' : ''}; loss ${first.loss!.toFixed(3)} → ${last.loss!.toFixed(3)}`,
      `  test accuracy ${(100 * last.val_accuracy!).toFixed(2)}% on 2,000 held-out digits`,
      `  ${(images / seconds).toFixed(1)} images/s (forward, backward and update, test passes included); ${total.toFixed(1)} s in all`,
      `  tensors left behind between epochs: ${leaked}`,
    ].join('\n'),
  );
  if (leaked !== 0) process.exitCode = 1;
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
