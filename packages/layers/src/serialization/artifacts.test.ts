import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { LayerError } from '../errors';
import { Dense } from '../layers/dense';
import type { Model } from '../model';
import { Sequential } from '../model';
import { loadArtifacts, saveArtifacts } from './artifacts';
import { functionalNet, inputsFor, randomized, sequentialNet, weightBits } from './fixtures';
import { registeredLayers } from './registry';
import { toJSON } from './topology';

/** Every activation of a model for `xs` (inputs aside), by node name, as plain arrays. */
function activations(model: Model, xs: tf.Tensor[]): Record<string, number[]> {
  const inner = model.nodes.filter((n) => n.inputs.length > 0);
  const out = model.run(xs, { outputs: inner.map((n) => n.name) });
  const values = Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(t.dataSync())]));
  tf.dispose(Object.values(out));
  return values;
}

async function roundTrip(model: Model): Promise<Model> {
  return loadArtifacts(await saveArtifacts(model));
}

describe('saveArtifacts / loadArtifacts', () => {
  for (const [label, make, seed] of [
    ['a Sequential', sequentialNet, 1],
    ['a functional model with a shared layer, two inputs and three outputs', functionalNet, 2],
  ] as const) {
    it(`round-trips ${label}: same topology, weights bit for bit, every activation equal`, async () => {
      const net = randomized(make(), seed);
      const tensors = tf.memory().numTensors;
      const twin = await roundTrip(net);
      expect(twin.className).toBe(net.className);
      expect(toJSON(twin)).toEqual(toJSON(net));
      const inner = (m: Model) => m.nodes.filter((n) => n.inputs.length > 0).map((n) => n.name);
      expect(inner(twin)).toEqual(inner(net));
      expect(weightBits(twin)).toEqual(weightBits(net));
      const xs = inputsFor(net, 2, seed);
      // Every activation but the inputs, by name (a Sequential's input layer is named afresh).
      const [mine, theirs] = [activations(net, xs), activations(twin, xs)];
      expect(Object.keys(mine).length).toBe(net.nodes.length - net.inputs.length);
      expect(theirs).toEqual(mine);
      tf.dispose(xs);
      twin.dispose();
      expect(tf.memory().numTensors).toBe(tensors); // nothing left behind but the model's own weights
      net.dispose();
    });
  }

  it('covers every registered layer class between the two test models', () => {
    const [seq, fun] = [sequentialNet(), functionalNet()];
    const used = new Set([...seq.layers, ...fun.layers].map((l) => l.className));
    const aliases = [
      'Convolution2D',
      'MaxPool2D',
      'AvgPool2D',
      'GlobalAvgPool2D',
      'GlobalMaxPool2D',
      'SpatialDropout2D',
    ];
    expect(registeredLayers().filter((c) => !aliases.includes(c) && !used.has(c))).toEqual([]);
    seq.dispose();
    fun.dispose();
  });

  it('keeps batch normalisation’s moving statistics after training updates them', async () => {
    const net = randomized(sequentialNet(), 3);
    const [x] = inputsFor(net, 4, 3);
    const movingMean = () =>
      net.weights
        .find((w) => w.name.endsWith('moving_mean'))!
        .variable.dataSync()
        .slice();
    const before = movingMean();
    tf.dispose(net.apply(x!, { training: true })); // moves moving_mean and moving_variance
    expect(movingMean()).not.toEqual(before);
    const twin = await roundTrip(net);
    expect(weightBits(twin)).toEqual(weightBits(net));
    const [p, q] = [net.predict(x!), twin.predict(x!)];
    expect(q.dataSync()).toEqual(p.dataSync());
    tf.dispose([x!, p, q]);
    net.dispose();
    twin.dispose();
  });

  it('writes artifacts in the layers format: specs with Keras weight names, one float32 buffer', async () => {
    const net = new Sequential([new Dense({ units: 2, name: 'fc' })], { inputShape: [3], name: 'tiny' });
    const artifacts = await saveArtifacts(net);
    expect(artifacts.format).toBe('layers-model');
    expect(artifacts.weightSpecs).toEqual([
      { name: 'fc/kernel', shape: [3, 2], dtype: 'float32' },
      { name: 'fc/bias', shape: [2], dtype: 'float32' },
    ]);
    const data = new Float32Array(artifacts.weightData as ArrayBuffer);
    expect(Array.from(data)).toEqual([
      ...net.weights[0]!.variable.dataSync(),
      ...net.weights[1]!.variable.dataSync(),
    ]);
    net.dispose();
  });

  it('names a missing or misshapen weight, and refuses data cut short or left over', async () => {
    const net = new Sequential([new Dense({ units: 2, name: 'fc' })], { inputShape: [3] });
    const artifacts = await saveArtifacts(net);
    const specs = artifacts.weightSpecs!;
    const data = artifacts.weightData as ArrayBuffer;
    const kernelOnly = { ...artifacts, weightSpecs: [specs[0]!], weightData: data.slice(0, 24) };
    expect(() => loadArtifacts(kernelOnly)).toThrow(
      /weight fc\/bias \[2\] is missing from the saved weights, which hold fc\/kernel/,
    );
    const wrongShape = { ...artifacts, weightSpecs: [{ ...specs[0]!, shape: [2, 3] }, specs[1]!] };
    expect(() => loadArtifacts(wrongShape)).toThrow(
      /weight fc\/kernel has shape \[3, 2\] in the model but \[2, 3\] in the saved weights/,
    );
    expect(() => loadArtifacts({ ...artifacts, weightData: data.slice(0, 20) })).toThrow(
      /ends after 20 bytes: weight fc\/kernel \[3, 2\] needs bytes 0–24/,
    );
    expect(() => loadArtifacts({ ...artifacts, weightData: new ArrayBuffer(36) })).toThrow(
      /holds 36 bytes but its 2 weights take 32/,
    );
    const extra = {
      ...artifacts,
      weightSpecs: [...specs, { name: 'other/kernel', shape: [1], dtype: 'float32' as const }],
      weightData: new ArrayBuffer(36),
    };
    expect(() => loadArtifacts(extra)).toThrow(/the saved weights other\/kernel match no weight/);
    expect(() => loadArtifacts(extra, { strict: false })).not.toThrow();
    for (const broken of [
      { ...artifacts, weightSpecs: undefined },
      { ...artifacts, modelTopology: undefined },
      null,
    ]) {
      expect(() => loadArtifacts(broken as never)).toThrow(LayerError);
    }
    net.dispose();
  });

  it('matches weights named by Keras with :0 or a scope', async () => {
    const net = new Sequential([new Dense({ units: 2, name: 'fc' })], { inputShape: [3] });
    const artifacts = await saveArtifacts(net);
    const renamed = artifacts.weightSpecs!.map((s, i) => ({
      ...s,
      name: i === 0 ? `${s.name}:0` : `outer/${s.name}`,
    }));
    const twin = loadArtifacts({ ...artifacts, weightSpecs: renamed });
    expect(weightBits(twin)).toEqual(weightBits(net));
    net.dispose();
    twin.dispose();
  });
});
