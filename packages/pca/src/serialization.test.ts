import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { correlated, maxAbs } from '../test/helpers';
import { PcaError } from './errors';
import { PCA } from './pca';

describe('PCA.toJSON / PCA.fromJSON', () => {
  it('restores a model that transforms identically', () => {
    const data = correlated(new Rng(20), 100, [4, 3, 2, 1, 0.5, 0.25]);
    const images = tf.reshape(data.tensor, [100, 1, 3, 2]);
    const pca = new PCA({ nComponents: 3, whiten: true }).fit(images);
    const copy = PCA.fromJSON(JSON.parse(JSON.stringify(pca)));
    expect(copy.options).toEqual(pca.options);
    expect(copy.nComponentsFitted).toBe(3);
    expect(copy.noiseVariance).toBe(pca.noiseVariance);
    expect(copy.nSamplesSeen).toBe(100);
    const [a, b] = [pca.transform(images), copy.transform(images)];
    expect(maxAbs(tf.sub(a, b))).toBe(0);
    const back = copy.inverseTransform(b);
    expect(back.shape).toEqual([100, 1, 3, 2]);
    // A restored model goes on learning.
    copy.partialFit(images);
    expect(copy.nSamplesSeen).toBe(200);
    tf.dispose([a, b, back, images, data.tensor]);
    pca.dispose();
    copy.dispose();
  });

  it('says which field is wrong', () => {
    const data = correlated(new Rng(21), 30, [3, 2, 1]);
    const pca = new PCA({ nComponents: 2 }).fit(data.tensor);
    const good = pca.toJSON();
    const before = tf.memory().numTensors;
    const bad = (patch: Record<string, unknown>, message: RegExp) => {
      const fn = () => PCA.fromJSON({ ...good, ...patch });
      expect(fn).toThrow(PcaError);
      expect(fn).toThrow(message);
    };
    expect(() => PCA.fromJSON('nope')).toThrow(/expected the object PCA.toJSON returns, got string nope/);
    bad({ format: 'onnx' }, /format: expected 'cnn-pca', got string onnx/);
    bad({ version: 2 }, /version: expected 1, got number 2/);
    bad(
      { components: good.components.slice(1) },
      /components: expected an array of 6 numbers, got an array of 5/,
    );
    bad({ mean: [1, 2, Number.NaN] }, /mean\[2\]: expected a finite number, got number NaN/);
    bad({ featureShape: [0] }, /featureShape: expected a non-empty array of positive integers/);
    bad({ singularValues: [] }, /singularValues: expected an array of 1 to 3 numbers/);
    bad({ nSamplesSeen: 1.5 }, /nSamplesSeen: expected an integer ≥ 1, got number 1.5/);
    bad({ options: { solver: 'lapack' } }, /fromJSON: options: PCA: solver must be one of/);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => new PCA().toJSON()).toThrow(/toJSON: the PCA is not fitted/);
    pca.dispose();
    data.tensor.dispose();
  });
});
