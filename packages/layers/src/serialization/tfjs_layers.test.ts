// Independent checks against tfjs-layers itself: its models load here, ours load there, and both
// compute the same predictions.
import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { Activation, ELU, LeakyReLU, ReLU, Softmax } from '../layers/activation';
import { BatchNormalization } from '../layers/batch_normalization';
import { Conv2D } from '../layers/conv2d';
import { Dense } from '../layers/dense';
import { Dropout } from '../layers/dropout';
import { Add, Average, Concatenate } from '../layers/merge';
import {
  AveragePooling2D,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  MaxPooling2D,
} from '../layers/pooling';
import { Flatten, Reshape, ZeroPadding2D } from '../layers/reshape';
import { input, Model, Sequential } from '../model';
import { l2 } from '../regularizers';
import { loadArtifacts, saveArtifacts } from './artifacts';
import { randomized } from './fixtures';

/** tfjs-layers' artifacts for a model, as its own save writes them. */
async function artifactsOf(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved!;
}

/** Random weights for a tfjs-layers model (variances positive). */
function randomizeTfl(model: tfl.LayersModel, seed: number): void {
  const rng = new Rng(seed);
  const values = model.weights.map((w) =>
    w.originalName.endsWith('variance')
      ? rng.randomUniform(w.shape as number[], 0.5, 1.5)
      : rng.randomUniform(w.shape as number[], -1, 1),
  );
  model.setWeights(values);
  tf.dispose(values);
}

const images = (shape: number[], seed: number) => new Rng(seed).randomUniform(shape, -1, 1);

/** Predictions agree to 1e-5. */
function expectClose(actual: tf.Tensor, expected: tf.Tensor): void {
  expect(actual.shape).toEqual(expected.shape);
  const [a, e] = [Array.from(actual.dataSync()), Array.from(expected.dataSync())];
  const worst = a.reduce((m, v, i) => Math.max(m, Math.abs(v - e[i]!)), 0);
  expect(worst).toBeLessThan(1e-5);
}

describe('models saved by tfjs-layers load here', () => {
  it('a Sequential CNN: conv (dilated, strided), batch norm, pooling, padding, dropout, dense', async () => {
    const theirs = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [8, 8, 3],
          filters: 4,
          kernelSize: 3,
          dilationRate: 2,
          padding: 'same',
          activation: 'relu',
        }),
        tfl.layers.batchNormalization({ epsilon: 0.01 }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.zeroPadding2d({
          padding: [
            [1, 0],
            [0, 1],
          ],
        }),
        tfl.layers.conv2d({
          filters: 6,
          kernelSize: [2, 3],
          strides: 2,
          activation: 'elu',
          kernelInitializer: 'heNormal',
        }),
        tfl.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
        tfl.layers.leakyReLU({ alpha: 0.2 }),
        tfl.layers.dropout({ rate: 0.5 }),
        tfl.layers.flatten(),
        tfl.layers.dense({
          units: 4,
          activation: 'tanh',
          kernelRegularizer: tfl.regularizers.l2({ l2: 0.01 }),
        }),
        tfl.layers.reLU({ maxValue: 0.5 }),
        tfl.layers.dense({ units: 3 }),
        tfl.layers.softmax(),
      ],
    });
    randomizeTfl(theirs, 1);
    const ours = loadArtifacts(await artifactsOf(theirs));
    expect(ours.className).toBe('Sequential');
    const x = images([2, 8, 8, 3], 1);
    const [expected, actual] = [theirs.predict(x) as tf.Tensor, ours.predict(x)];
    expectClose(actual, expected);
    tf.dispose([x, expected, actual]);
    theirs.dispose();
    ours.dispose();
  });

  it('a functional model with a shared convolution, two inputs and two outputs', async () => {
    const a = tfl.input({ shape: [6, 6, 2], name: 'a' });
    const b = tfl.input({ shape: [6, 6, 2], name: 'b' });
    const shared = tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'shared' });
    const [sa, sb] = [shared.apply(a), shared.apply(b)] as tfl.SymbolicTensor[];
    const sum = tfl.layers.add().apply([sa!, sb!]) as tfl.SymbolicTensor;
    const mean = tfl.layers.average().apply([sa!, sb!]) as tfl.SymbolicTensor;
    const cat = tfl.layers.concatenate().apply([sum, mean]) as tfl.SymbolicTensor;
    const gmp = tfl.layers.globalMaxPooling2d({}).apply(cat) as tfl.SymbolicTensor;
    const gap = tfl.layers.globalAveragePooling2d({}).apply(sum) as tfl.SymbolicTensor;
    const out1 = tfl.layers
      .dense({ units: 2, name: 'out1' })
      .apply(tfl.layers.concatenate().apply([gmp, gap])) as tfl.SymbolicTensor;
    const out2 = tfl.layers
      .activation({ activation: 'sigmoid', name: 'out2' })
      .apply(tfl.layers.reshape({ targetShape: [3, -1] }).apply(gmp)) as tfl.SymbolicTensor;
    const theirs = tfl.model({ inputs: [a, b], outputs: [out1, out2] });
    randomizeTfl(theirs, 2);
    const artifacts = await artifactsOf(theirs);
    expect((artifacts.modelTopology as { class_name: string }).class_name).toBe('Model');
    const ours = loadArtifacts(artifacts);
    expect(ours.nodes.filter((n) => n.layer.name === 'shared').map((n) => n.name)).toEqual([
      'shared',
      'shared:1',
    ]);
    const xs = [images([2, 6, 6, 2], 3), images([2, 6, 6, 2], 4)];
    const expected = theirs.predict(xs) as tf.Tensor[];
    const actual = ours.run(xs, { outputs: ['out1', 'out2'] });
    expectClose(actual.out1!, expected[0]!);
    expectClose(actual.out2!, expected[1]!);
    tf.dispose([...xs, ...expected, ...Object.values(actual)]);
    theirs.dispose();
    ours.dispose();
  });
});

describe('models saved here load in tfjs-layers', () => {
  it('a Sequential CNN, with batch norm’s moving statistics', async () => {
    const ours = randomized(
      new Sequential(
        [
          new Conv2D({
            filters: 4,
            kernelSize: 3,
            dilationRate: 2,
            padding: 'same',
            activation: 'relu',
            kernelRegularizer: l2(0.01),
          }),
          new BatchNormalization({ epsilon: 0.01 }),
          new MaxPooling2D({ poolSize: 2 }),
          new ZeroPadding2D({
            padding: [
              [1, 0],
              [0, 1],
            ],
          }),
          new Conv2D({ filters: 6, kernelSize: [2, 3], strides: 2, kernelInitializer: 'heNormal' }),
          new ELU(), // tfjs-layers' ELU takes α = 1 only
          new AveragePooling2D({ poolSize: 2, strides: 1, padding: 'same' }),
          new LeakyReLU({ alpha: 0.2 }),
          new Dropout({ rate: 0.5 }),
          new Flatten(),
          new Dense({ units: 4, activation: 'tanh', kernelInitializer: 'lecunNormal' }),
          new ReLU({ maxValue: 0.5 }),
          new Dense({ units: 3 }),
          new Softmax(),
        ],
        { inputShape: [8, 8, 3] },
      ),
      5,
    );
    const theirs = await tfl.loadLayersModel(tf.io.fromMemory(await saveArtifacts(ours)));
    const x = images([2, 8, 8, 3], 5);
    const [expected, actual] = [ours.predict(x), theirs.predict(x) as tf.Tensor];
    expectClose(actual, expected);
    tf.dispose([x, expected, actual]);
    theirs.dispose();
    ours.dispose();
  });

  it('a functional model with a shared layer used three times and two outputs', async () => {
    const a = input({ shape: [6, 6, 2], name: 'a' });
    const b = input({ shape: [6, 6, 2], name: 'b' });
    const shared = new Conv2D({
      filters: 3,
      kernelSize: 3,
      padding: 'same',
      activation: 'tanh',
      name: 'shared',
    });
    const [sa, sb] = [shared.apply(a), shared.apply(b)];
    const sum = new Add().apply([sa, sb]);
    const again = shared.apply(new Conv2D({ filters: 2, kernelSize: 1 }).apply(sum));
    const cat = new Concatenate().apply([new Average().apply([sa, sb]), again]);
    const gmp = new GlobalMaxPooling2D().apply(cat);
    const out1 = new Dense({ units: 2, name: 'out1' }).apply(
      new Concatenate().apply([gmp, new GlobalAveragePooling2D().apply(sum)]),
    );
    const out2 = new Activation({ activation: 'sigmoid', name: 'out2' }).apply(
      new Reshape({ targetShape: [3, -1] }).apply(gmp),
    );
    const ours = randomized(new Model({ inputs: [a, b], outputs: [out1, out2] }), 6);
    const theirs = await tfl.loadLayersModel(tf.io.fromMemory(await saveArtifacts(ours)));
    const xs = [images([2, 6, 6, 2], 7), images([2, 6, 6, 2], 8)];
    const expected = ours.run(xs, { outputs: ['out1', 'out2'] });
    const actual = theirs.predict(xs) as tf.Tensor[];
    expectClose(actual[0]!, expected.out1!);
    expectClose(actual[1]!, expected.out2!);
    tf.dispose([...xs, ...actual, ...Object.values(expected)]);
    theirs.dispose();
    ours.dispose();
  });
});
