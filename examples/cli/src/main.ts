#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ProgressBar, Rng, ready } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { mnistCnn, randomBatch } from './mnist_cnn.js';

const HELP = `cnn-example: train the seeds' MNIST CNN for a few steps and report the speed

Usage: cnn-example [--backend auto|tensorflow|wasm|cpu] [--steps N] [--batch N] [--seed N]

  --backend  backend to train on (default: auto, the fastest that works here)
  --steps    Adam steps to take (default: 20)
  --batch    images per step (default: 64)
  --seed     seed of the weights and the data (default: 1)

The data are one fixed batch of random images and labels: the loss falls as the network memorises it.
Real MNIST arrives with @cnn/datasets.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'auto' },
      steps: { type: 'string', default: '20' },
      batch: { type: 'string', default: '64' },
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

  const report = await ready({ backend: values.backend });
  console.log(`backend: ${report.backend} (${report.platform})`);
  for (const { backend, reason } of report.skipped) console.log(`  skipped ${backend}: ${reason}`);
  if (report.filledKernels.length) console.log(`  kernels filled in: ${report.filledKernels.join(', ')}`);
  if (report.replacedKernels.length) {
    console.log(`  kernels replaced by faster compositions: ${report.replacedKernels.join(', ')}`);
  }

  const rng = new Rng(seed);
  const model = mnistCnn(rng.fork());
  const { images, labels } = randomBatch(rng.fork(), batch);
  const optimizer = tf.train.adam(1e-4);
  let tensorsAfterFirstStep = 0;

  const bar = new ProgressBar({ total: steps * batch, label: 'train', unit: 'img' });
  const losses: number[] = [];
  let timed = 0;
  let timedSeconds = 0;
  for (let step = 1; step <= steps; step++) {
    const start = performance.now();
    const loss = optimizer.minimize(() => model.loss(images, labels), true, model.variables);
    losses.push((await loss!.data())[0]!);
    loss!.dispose();
    if (step === 1) {
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
  tf.dispose([images, labels]);
  model.dispose();

  const rate = timedSeconds > 0 ? timed / timedSeconds : Number.NaN;
  console.log(
    [
      '',
      `Trained the MNIST CNN (conv5×5-32, pool, conv5×5-64, pool, fc1024, fc10; Adam) on ${report.backend}:`,
      `  ${steps} steps of ${batch} images; loss ${losses[0]!.toFixed(3)} → ${losses.at(-1)!.toFixed(3)}`,
      `  ${rate.toFixed(1)} images/s (forward, backward and update; first step excluded)`,
      `  tensors left behind by the loop: ${leaked}`,
    ].join('\n'),
  );
  if (leaked !== 0) process.exitCode = 1;
}

function positiveInteger(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`cnn-example: --${name} takes a positive integer, got '${value}'\n\n${HELP}`);
    process.exit(2);
  }
  return n;
}

main().catch((error: unknown) => {
  console.error(`cnn-example: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
