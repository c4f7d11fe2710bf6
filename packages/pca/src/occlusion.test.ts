import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { faceSet, SIZE } from '../test/faces';
import { EigenFaces } from './eigenfaces';
import { PcaError } from './errors';

const data = faceSet(2);
afterAll(() => data.dispose());

/** 1 where visible: a bar over the eyes (rows 6–11) hidden. */
const eyesHidden = () =>
  tf.tidy(() => {
    const rows = tf.reshape(tf.range(0, SIZE), [SIZE, 1, 1]);
    const hidden = tf.logicalAnd(tf.greaterEqual(rows, 6), tf.less(rows, 12));
    return tf.cast(tf.logicalNot(tf.broadcastTo(hidden, [SIZE, SIZE, 1])), 'float32');
  });

describe('EigenFaces.reconstructOccluded (seed Figure 13)', () => {
  it.each([true, false])(
    'fills in hidden pixels closer to the truth than projecting the masked image (normalize %s)',
    async (normalize) => {
      const model = EigenFaces.fit(data.train, { k: 20, normalize });
      const mask = eyesHidden();
      // Sunglasses on 20 held-out faces: the hidden bar painted black.
      const truth = tf.slice(data.test, [0], [20]);
      const occluded = tf.tidy(() => tf.mul(truth, mask));
      const filled = await expectNoLeaks(() => model.reconstructOccluded(occluded, mask));
      const projected = model.reconstruct(occluded);
      expect(filled.shape).toEqual(truth.shape);
      // Errors on the hidden pixels, over the 20 faces.
      const err = (x: tf.Tensor) =>
        tf.tidy(() => tf.norm(tf.mul(tf.sub(x, truth), tf.sub(1, mask))).dataSync()[0]!);
      const [eFilled, eProjected, eMean] = [
        err(filled),
        err(projected),
        err(tf.mul(tf.onesLike(truth), tf.mean(truth))),
      ];
      expect(eFilled).toBeLessThan(0.6 * eProjected);
      expect(eFilled).toBeLessThan(eMean);
      tf.dispose([truth, mask, occluded, filled, projected]);
      model.dispose();
    },
  );

  it('recovers a face that lies in face space exactly from part of its pixels', () => {
    const model = EigenFaces.fit(data.train, { k: 10 });
    const rng = new Rng(3);
    // x = b + a (μ + U c): in face space up to the brightness and contrast normalisation removes.
    const truth = tf.tidy(() => {
      const c = tf.mul(rng.randomNormal([1, 10]), 3);
      const x = tf.add(model.pca.mean, tf.matMul(c, model.pca.components));
      return tf.reshape(tf.add(tf.mul(x, 0.15), 0.4), [1, SIZE, SIZE, 1]);
    });
    // Hide a random 60% of the pixels.
    const mask = tf.tidy(() => tf.cast(tf.greater(rng.randomUniform([1, SIZE, SIZE, 1]), 0.6), 'float32'));
    const filled = model.reconstructOccluded(tf.mul(truth, mask), mask);
    expect(tf.max(tf.abs(tf.sub(filled, truth))).dataSync()[0]).toBeLessThan(2e-3);
    tf.dispose([truth, mask, filled]);
    model.dispose();
  });

  it('takes one mask per image: each image solved on its own visible pixels', () => {
    const model = EigenFaces.fit(data.train, { k: 10 });
    const eyes = eyesHidden();
    const rest = tf.sub(1, eyes);
    const two = tf.slice(data.test, [0], [2]);
    const [a, b] = [tf.slice(two, [0], [1]), tf.slice(two, [1], [1])];
    const masks = tf.reshape(tf.concat([eyes, rest]), [2, SIZE, SIZE, 1]);
    const both = model.reconstructOccluded(two, masks);
    const first = model.reconstructOccluded(a, eyes);
    const second = model.reconstructOccluded(b, rest);
    const apart = tf.concat([first, second]);
    expect(tf.max(tf.abs(tf.sub(both, apart))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([eyes, rest, two, a, b, masks, both, first, second, apart]);
    model.dispose();
  });

  it('says what is wrong with the mask', () => {
    const model = EigenFaces.fit(data.train, { k: 10 });
    const one = tf.slice(data.test, [0], [1]);
    const small = tf.zeros([5, 5]);
    const few = tf.tidy(() => tf.concat([tf.ones([11]), tf.zeros([SIZE * SIZE - 11])]));
    const bad = (fn: () => unknown, message: RegExp) => {
      expect(fn).toThrow(PcaError);
      expect(fn).toThrow(message);
    };
    const before = tf.memory().numTensors;
    bad(
      () => model.reconstructOccluded(one, small),
      /expected a mask of 576 pixels \(24×24\) or one per image \(576\), got shape \[5, 5\]/,
    );
    bad(
      () => model.reconstructOccluded(one, few),
      /image 0 shows 11 pixels, fewer than the 12 unknowns of its fit \(k = 10 plus mean and scale\)/,
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([one, small, few]);
    model.dispose();
  });
});
