import { Rng, ready } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Add,
  BatchNormalization,
  Conv2D,
  Dense,
  Dropout,
  Flatten,
  input,
  LocalResponseNormalization,
  losses,
  MaxPooling2D,
  Model,
} from '../src/index';

/** A small net that passes through every kind of layer a CNN of the seeds uses. */
function net(): Model {
  const x = input({ shape: [12, 12, 3] });
  const c1 = new Conv2D({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1' }).apply(
    x,
  );
  const n1 = new LocalResponseNormalization({ depthRadius: 2 }).apply(c1);
  const c2 = new Conv2D({ filters: 8, kernelSize: 3, padding: 'same', groups: 2, name: 'c2' }).apply(n1);
  const r = new Add().apply([c1, new BatchNormalization().apply(c2)]);
  const p = new MaxPooling2D({ poolSize: 2 }).apply(r);
  const d = new Dense({ units: 16, activation: 'relu' }).apply(new Flatten().apply(p));
  return new Model({
    inputs: x,
    outputs: new Dense({ units: 5 }).apply(new Dropout({ rate: 0.3 }).apply(d)),
    seed: 4,
  });
}

/** Loss and every gradient of one training-mode pass, as plain arrays. */
async function pass(): Promise<number[][]> {
  const model = net();
  const rng = new Rng(9);
  const x = rng.randomNormal([4, 12, 12, 3]);
  const y = tf.tensor1d([0, 1, 2, 3], 'int32');
  const variables = model.trainableWeights.map((w) => w.variable);
  const { value, grads } = tf.variableGrads(
    () => losses.softmaxCrossEntropy(y, model.call([x], { training: true, rng: new Rng(3) })),
    variables,
  );
  const out = [
    [...(await value.data())],
    ...(await Promise.all(variables.map(async (v) => [...(await grads[v.name]!.data())]))),
  ];
  tf.dispose([x, y, value, ...Object.values(grads)]);
  model.dispose();
  return out;
}

afterAll(async () => {
  await ready({ backend: process.env.CNN_TEST_BACKEND ?? 'cpu' });
});

describe('every backend gives the same answer', () => {
  // The file switches backends itself; once is enough.
  it.skipIf(process.env.CNN_TEST_BACKEND !== 'wasm')(
    'cpu and wasm agree on a training pass within float32 tolerance',
    async () => {
      await ready({ backend: 'cpu' });
      const cpu = await pass();
      await ready({ backend: 'wasm' });
      const wasm = await pass();
      // Relative to each tensor's largest value, floored at 1% of the largest gradient anywhere: a bias before
      // batch normalisation has a gradient of exactly zero in exact arithmetic, rounding noise in float32.
      const largest = Math.max(...cpu.slice(1).flatMap((g) => g.map(Math.abs)));
      cpu.forEach((expected, k) => {
        const scale = Math.max(...expected.map(Math.abs), 0.01 * largest);
        const worst = Math.max(...expected.map((v, i) => Math.abs(v - wasm[k]![i]!)));
        expect(worst / scale, `tensor ${k}`).toBeLessThan(1e-4);
      });
    },
  );
});
