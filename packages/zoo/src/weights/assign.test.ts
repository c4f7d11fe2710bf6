import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectNoLeaks } from '@cnn/core';
import { Conv2D, Dense, Flatten, MaxPooling2D, type Model, Sequential, save } from '@cnn/layers';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { assignNamedWeights } from './assign';
import { WeightMatchError } from './errors';
import { loadWeightsManifest } from './files';
import { decodeWeightsManifest } from './manifest';
import { encodeWeightsManifest } from './manifest_write';
import { modelWeights, type NamedWeights } from './named';

/** A small net named as keras.applications.VGG16 names its layers. */
const kerasNamed = (seed: number) =>
  new Sequential(
    [
      new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'block1_conv1' }),
      new MaxPooling2D({ poolSize: 2, name: 'block1_pool' }),
      new Flatten({ name: 'flatten' }),
      new Dense({ units: 5, activation: 'relu', name: 'fc1' }),
      new Dense({ units: 3, name: 'predictions' }),
    ],
    { inputShape: [6, 6, 2], seed, name: 'vgg_like' },
  );

async function viaManifest(weights: NamedWeights): Promise<NamedWeights> {
  const { manifest, shards } = encodeWeightsManifest(weights, { shardBytes: 64 });
  return decodeWeightsManifest(manifest, new Map(manifest[0]!.paths.map((p, i) => [p, shards[i]!])));
}

const same = (a: Model, b: Model) =>
  a.weights.every((w, i) => {
    const x = w.variable.dataSync();
    const y = b.weights[i]!.variable.dataSync();
    return x.length === y.length && x.every((v, j) => Object.is(v, y[j]));
  });

describe('assignNamedWeights', () => {
  it('loads a manifest into a twin by Keras layer names: same weights and outputs, bit for bit', async () => {
    const net = kerasNamed(1);
    const twin = kerasNamed(2);
    expect(same(net, twin)).toBe(false);
    const weights = await viaManifest(await modelWeights(net));
    expect([...weights.keys()]).toContain('block1_conv1/kernel');
    await expectNoLeaks(() => assignNamedWeights(twin, weights));
    expect(same(net, twin)).toBe(true);
    const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 5);
    const [a, b] = [net.predict(x), twin.predict(x)];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    net.dispose();
    twin.dispose();
  });

  it('takes the weights of a layers-format model.json (as @cnn/layers and tensorflowjs_converter write it)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cnn-zoo-layers-'));
    try {
      const net = kerasNamed(11);
      await save(net, dir, { shardBytes: 256 });
      const twin = kerasNamed(12);
      assignNamedWeights(twin, await loadWeightsManifest(join(dir, 'model.json')));
      expect(same(net, twin)).toBe(true);
      net.dispose();
      twin.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('matches converter names (`:0`, a model prefix) and renamed ones', async () => {
    const net = kerasNamed(3);
    const original = await modelWeights(net);
    const prefixed: NamedWeights = new Map([...original].map(([k, v]) => [`vgg16/${k}:0`, v]));
    const twin = kerasNamed(4);
    assignNamedWeights(twin, prefixed);
    expect(same(net, twin)).toBe(true);
    const other: NamedWeights = new Map([...original].map(([k, v]) => [k.replace('fc1', 'dense_7'), v]));
    const third = kerasNamed(5);
    expect(() => assignNamedWeights(third, other)).toThrow(
      /weight fc1\/kernel \[36, 5\] is missing from the file/,
    );
    assignNamedWeights(third, other, {
      rename: { 'dense_7/kernel': 'fc1/kernel', 'dense_7/bias': 'fc1/bias' },
    });
    expect(same(net, third)).toBe(true);
    const fourth = kerasNamed(6);
    assignNamedWeights(fourth, other, { rename: (n) => n.replace(/^dense_7\//, 'fc1/') });
    expect(same(net, fourth)).toBe(true);
    for (const m of [net, twin, third, fourth]) m.dispose();
  });

  it('renames keras.applications VGG names to this package’s (the README’s example)', async () => {
    const keras = kerasNamed(13);
    const caffe = new Sequential(
      [
        new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1_1' }),
        new MaxPooling2D({ poolSize: 2, name: 'pool1' }),
        new Flatten({ name: 'flatten' }),
        new Dense({ units: 5, activation: 'relu', name: 'fc6' }),
        new Dense({ units: 3, name: 'fc8' }),
      ],
      { inputShape: [6, 6, 2], seed: 14 },
    );
    const fromKeras = (name: string) =>
      name
        .replace(/^block(\d)_conv(\d)\//, 'conv$1_$2/')
        .replace(/^fc1\//, 'fc6/')
        .replace(/^fc2\//, 'fc7/')
        .replace(/^predictions\//, 'fc8/');
    assignNamedWeights(caffe, await viaManifest(await modelWeights(keras)), { rename: fromKeras });
    expect(same(keras, caffe)).toBe(true);
    keras.dispose();
    caffe.dispose();
  });

  it('names a misshapen or missing weight and changes nothing when one does not fit', async () => {
    const net = kerasNamed(7);
    const before = Array.from(net.weights[0]!.variable.dataSync());
    const weights = await modelWeights(kerasNamed(8));
    const kernel = weights.get('block1_conv1/kernel')!;
    const transposed: NamedWeights = new Map(weights);
    transposed.set('block1_conv1/kernel', { ...kernel, shape: [4, 2, 3, 3] });
    const error = (() => {
      try {
        assignNamedWeights(net, transposed);
      } catch (e) {
        return e as WeightMatchError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(WeightMatchError);
    expect(error!.weight).toBe('block1_conv1/kernel');
    expect(error!.message).toBe('weight block1_conv1/kernel: expected [3, 3, 2, 4], file has [4, 2, 3, 3]');
    expect(Array.from(net.weights[0]!.variable.dataSync())).toEqual(before);

    const extra: NamedWeights = new Map(weights);
    extra.set('aux/kernel', kernel);
    expect(() => assignNamedWeights(net, extra)).toThrow(
      /the file weights aux\/kernel match no weight of vgg_like/,
    );
    expect(() => assignNamedWeights(net, extra, { strict: false })).not.toThrow();
    expect(() =>
      assignNamedWeights(net, extra, { rename: (n) => (n.startsWith('aux') ? undefined : n) }),
    ).not.toThrow();
    expect(() => assignNamedWeights(net, weights, { rename: { 'fc1/bias': 'fc1/kernel' } })).toThrow(
      /two file weights are renamed to fc1\/kernel/,
    );
    net.dispose();
  });
});
