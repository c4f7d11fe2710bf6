import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { faceSet } from '../test/faces';
import { EigenFaces } from './eigenfaces';
import { PcaError } from './errors';

const data = faceSet(3);
afterAll(() => data.dispose());

describe('EigenFaces.toJSON / fromJSON', () => {
  it('restores a model that projects, identifies and locates identically', () => {
    const model = EigenFaces.fit(data.train, { k: 6, labels: data.trainLabels });
    const copy = EigenFaces.fromJSON(JSON.parse(JSON.stringify(model)));
    expect([copy.k, copy.imageShape, copy.normalize, copy.labels, copy.threshold]).toEqual([
      6,
      [24, 24],
      true,
      model.labels,
      model.threshold,
    ]);
    const [a, b] = [model.project(data.test), copy.project(data.test)];
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBe(0);
    expect(copy.identify(data.test)).toEqual(model.identify(data.test));
    tf.dispose([a, b]);
    // No labels, no threshold: null in JSON, ∞ again when read.
    const plain = EigenFaces.fit(data.train, { k: 3, normalize: false });
    const json = plain.toJSON();
    expect(json.threshold).toBeNull();
    expect(json.people).toBeNull();
    const back = EigenFaces.fromJSON(JSON.parse(JSON.stringify(json)));
    expect([back.threshold, back.normalize, back.labels]).toEqual([Infinity, false, []]);
    for (const m of [model, copy, plain, back]) m.dispose();
  });

  it('says which field is wrong, and leaks nothing when it throws', () => {
    const model = EigenFaces.fit(data.train, { k: 4, labels: data.trainLabels });
    const good = model.toJSON();
    const before = tf.memory().numTensors;
    const bad = (patch: Record<string, unknown>, message: RegExp) => {
      const fn = () => EigenFaces.fromJSON({ ...good, ...patch });
      expect(fn).toThrow(PcaError);
      expect(fn).toThrow(message);
    };
    expect(() => EigenFaces.fromJSON([])).toThrow(
      /expected the object EigenFaces.toJSON returns, got an array of 0/,
    );
    bad({ format: 'cnn-pca' }, /format: expected 'cnn-eigenfaces', got string cnn-pca/);
    bad({ height: 0 }, /height: expected a positive integer, got number 0/);
    bad({ normalize: 'yes' }, /normalize: expected a boolean, got string yes/);
    bad({ threshold: -1 }, /threshold: expected a number > 0 or null, got number -1/);
    bad({ width: 12 }, /pca: expected 288 features \(24×12\), got 576/);
    bad(
      { pca: { ...good.pca, mean: [] } },
      /EigenFaces.fromJSON: pca: fromJSON: mean: expected an array of 576 numbers/,
    );
    bad(
      { people: { labels: [1, 2], means: [0] } },
      /people.means: expected 8 finite numbers \(2 people × 4\), got an array of 1/,
    );
    bad(
      { people: { labels: [], means: [] } },
      /people.labels: expected a non-empty array of distinct integers/,
    );
    bad({ people: { labels: [1, 1], means: good.people!.means.slice(0, 8) } }, /distinct integers/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('survives random damage: a model or a PcaError, never another error, never a leak', () => {
    const model = EigenFaces.fit(data.train, { k: 3, labels: data.trainLabels });
    const good = model.toJSON();
    const rng = new Rng(9);
    const junk = [null, 'x', -1, 0, 1.5, 1e9, [], {}, [1, 2], true, Number.NaN];
    const before = tf.memory().numTensors;
    let loaded = 0;
    for (let trial = 0; trial < 300; trial++) {
      const json = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
      // Damage one field at the top or inside the PCA or the people: delete it or put junk there.
      const holders = [json, json.pca as Record<string, unknown>, json.people as Record<string, unknown>];
      const holder = holders[rng.int(holders.length)]!;
      const keys = Object.keys(holder);
      const key = keys[rng.int(keys.length)]!;
      if (rng.float() < 0.3) delete holder[key];
      else holder[key] = junk[rng.int(junk.length)];
      try {
        EigenFaces.fromJSON(json).dispose();
        loaded++;
      } catch (error) {
        expect(error).toBeInstanceOf(PcaError);
      }
    }
    expect(loaded).toBeLessThan(300);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
