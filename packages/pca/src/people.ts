import * as tf from '@tensorflow/tfjs-core';
import { PcaError } from './errors';

/**
 * The known people of an eigenfaces model: each person is the mean of their images' coordinates in face
 * space, and a new face is the nearest mean (Turk & Pentland §2.2) — or "unknown" when even the nearest is
 * farther than a threshold.
 */

/** What `EigenFaces.identify` says of one image. */
export interface Identification {
  /** The nearest known person, or 'unknown' when `distance` exceeds the model's threshold. */
  label: number | 'unknown';
  /** The nearest known person, whatever the distance. */
  nearest: number;
  /** Distance in face space from the image's coordinates to that person's mean. */
  distance: number;
}

/** Labels as integers, one per image, checked. */
export function checkLabels(labels: unknown, n: number): number[] {
  const list =
    labels instanceof Int32Array || Array.isArray(labels)
      ? Array.from(labels as ArrayLike<unknown>)
      : undefined;
  if (list === undefined || list.length !== n || !list.every((l) => Number.isInteger(l))) {
    throw new PcaError(
      `EigenFaces.fit: labels must be ${n} integers (one per image), got ${list === undefined ? typeof labels : `${list.length} values${list.every((l) => Number.isInteger(l)) ? '' : ', not all integers'}`}`,
    );
  }
  return list as number[];
}

/**
 * The people's means in face space ([people, k], labels ascending) and the calibrated threshold: the
 * `quantile` of the leave-one-out distances of the training images to their own person's mean — the mean
 * of that person's other images, n/(n − 1) times the distance to the full mean — over people with at
 * least two images. So a new image of a known person passes about as often as `quantile` of the training
 * images would have, had each been left out; ∞ when no person has two images.
 */
export function calibrate(
  codes: tf.Tensor2D,
  labels: readonly number[],
  quantile: number,
): { labels: number[]; means: tf.Tensor2D; threshold: number } {
  const distinct = [...new Set(labels)].sort((a, b) => a - b);
  const [n, k] = codes.shape;
  const z = codes.dataSync();
  const means = new Float64Array(distinct.length * k);
  const counts = new Float64Array(distinct.length);
  const index = new Map(distinct.map((l, i) => [l, i]));
  for (let i = 0; i < n; i++) {
    const c = index.get(labels[i]!)!;
    counts[c]!++;
    for (let j = 0; j < k; j++) means[c * k + j]! += z[i * k + j]!;
  }
  for (let c = 0; c < distinct.length; c++) for (let j = 0; j < k; j++) means[c * k + j]! /= counts[c]!;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = index.get(labels[i]!)!;
    const count = counts[c]!;
    if (count < 2) continue;
    let sq = 0;
    for (let j = 0; j < k; j++) sq += (z[i * k + j]! - means[c * k + j]!) ** 2;
    out.push((count / (count - 1)) * Math.sqrt(sq));
  }
  out.sort((a, b) => a - b);
  return {
    labels: distinct,
    means: tf.tensor2d(Float32Array.from(means), [distinct.length, k]),
    threshold:
      out.length === 0 ? Infinity : out[Math.min(out.length - 1, Math.ceil(quantile * out.length) - 1)]!,
  };
}

/** The nearest person to each row of `codes` [n, k]. */
export function nearestPeople(
  codes: tf.Tensor2D,
  people: { labels: number[]; means: tf.Tensor2D },
  threshold: number,
): Identification[] {
  const [n] = codes.shape;
  const c = people.labels.length;
  const d2 = tf.tidy(() =>
    tf.sum(tf.squaredDifference(tf.expandDims(codes, 1), tf.expandDims(people.means, 0)), 2),
  );
  const v = d2.dataSync();
  d2.dispose();
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let j = 1; j < c; j++) if (v[i * c + j]! < v[i * c + best]!) best = j;
    const distance = Math.sqrt(v[i * c + best]!);
    const nearest = people.labels[best]!;
    return { label: distance > threshold ? 'unknown' : nearest, nearest, distance };
  });
}
