// Faces for the eigenfaces tests: synthetic people split into training and held-out images, strangers,
// and non-face patches, all seeded.
import * as tf from '@tensorflow/tfjs-core';
import { nonFacePatches, syntheticFaces } from '../src/index';

export const SIZE = 24;
export const PEOPLE = 15;
const TRAIN = 8;
const TEST = 4;

export interface FaceSet {
  train: tf.Tensor4D;
  trainLabels: Int32Array;
  test: tf.Tensor4D;
  testLabels: Int32Array;
  strangers: tf.Tensor4D;
  nonFaces: tf.Tensor4D;
  dispose(): void;
}

/** PEOPLE people, TRAIN images each to fit and TEST held out; 40 strangers' faces; 60 non-face patches. */
export function faceSet(seed = 1): FaceSet {
  const all = syntheticFaces({ people: PEOPLE, perPerson: TRAIN + TEST, size: SIZE, seed });
  const pick = (from: number, count: number) => {
    const index: number[] = [];
    for (let p = 0; p < PEOPLE; p++)
      for (let j = 0; j < count; j++) index.push(p * (TRAIN + TEST) + from + j);
    return {
      images: tf.tidy(() => tf.gather(all.images, index)) as tf.Tensor4D,
      labels: Int32Array.from(index, (i) => all.labels[i]!),
    };
  };
  const train = pick(0, TRAIN);
  const test = pick(TRAIN, TEST);
  all.images.dispose();
  const strangers = syntheticFaces({ people: 20, perPerson: 2, size: SIZE, seed, firstPerson: 1000 }).images;
  const nonFaces = nonFacePatches({ count: 60, size: SIZE, seed: seed + 100 });
  return {
    train: train.images,
    trainLabels: train.labels,
    test: test.images,
    testLabels: test.labels,
    strangers,
    nonFaces,
    dispose: () => tf.dispose([train.images, test.images, strangers, nonFaces]),
  };
}

/** Area under the ROC curve of scores where positives should score lower than negatives. */
export function auc(lowerIsPositive: ArrayLike<number>, negatives: ArrayLike<number>): number {
  let wins = 0;
  for (const p of Array.from(lowerIsPositive)) {
    for (const n of Array.from(negatives)) wins += p < n ? 1 : p === n ? 0.5 : 0;
  }
  return wins / (lowerIsPositive.length * negatives.length);
}
