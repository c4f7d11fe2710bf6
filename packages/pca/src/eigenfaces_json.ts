import * as tf from '@tensorflow/tfjs-core';
import { PcaError } from './errors';
import type { FaceSpace } from './face_space';
import { PCA } from './pca';
import { describeValue, type PcaJSON } from './serialization';

/** The saved form of an `EigenFaces` model: plain JSON. */
export interface EigenFacesJSON {
  format: 'cnn-eigenfaces';
  version: 1;
  height: number;
  width: number;
  normalize: boolean;
  /** `identify`'s threshold; null for ∞ (JSON has no Infinity). */
  threshold: number | null;
  /** The PCA of the (normalised) faces. */
  pca: PcaJSON;
  /** The known people and their means in face space (row-major [people, k]), or null. */
  people: { labels: number[]; means: number[] } | null;
}

/** The JSON of a face space. */
export function writeEigenFaces(space: FaceSpace): EigenFacesJSON {
  return {
    format: 'cnn-eigenfaces',
    version: 1,
    height: space.height,
    width: space.width,
    normalize: space.normalize,
    threshold: Number.isFinite(space.threshold) ? space.threshold : null,
    pca: space.pca.toJSON(),
    people:
      space.people === undefined
        ? null
        : { labels: [...space.people.labels], means: Array.from(space.people.means.dataSync()) },
  };
}

const fail = (what: string): never => {
  throw new PcaError(`EigenFaces.fromJSON: ${what}`);
};

/** A face space from {@link writeEigenFaces}'s output, every field checked. The caller owns its tensors. */
export function readEigenFaces(json: unknown): FaceSpace {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    fail(`expected the object EigenFaces.toJSON returns, got ${describeValue(json)}`);
  const o = json as Record<string, unknown>;
  if (o.format !== 'cnn-eigenfaces')
    fail(`format: expected 'cnn-eigenfaces', got ${describeValue(o.format)}`);
  if (o.version !== 1) fail(`version: expected 1, got ${describeValue(o.version)}`);
  for (const key of ['height', 'width'] as const) {
    if (!Number.isInteger(o[key]) || (o[key] as number) < 1)
      fail(`${key}: expected a positive integer, got ${describeValue(o[key])}`);
  }
  const [height, width] = [o.height as number, o.width as number];
  if (typeof o.normalize !== 'boolean')
    fail(`normalize: expected a boolean, got ${describeValue(o.normalize)}`);
  if (o.threshold !== null && !(typeof o.threshold === 'number' && o.threshold > 0)) {
    fail(`threshold: expected a number > 0 or null, got ${describeValue(o.threshold)}`);
  }
  let pca: PCA;
  try {
    pca = PCA.fromJSON(o.pca);
  } catch (error) {
    throw error instanceof PcaError ? new PcaError(`EigenFaces.fromJSON: pca: ${error.message}`) : error;
  }
  const k = pca.nComponentsFitted;
  const bad = (what: string): never => {
    pca.dispose();
    return fail(what);
  };
  if (pca.nFeatures !== height * width)
    bad(`pca: expected ${height * width} features (${height}×${width}), got ${pca.nFeatures}`);
  let people: FaceSpace['people'];
  if (o.people !== null) {
    const p = o.people as Record<string, unknown> | undefined;
    const labels = p?.labels;
    if (
      !Array.isArray(labels) ||
      labels.length === 0 ||
      !labels.every(Number.isInteger) ||
      new Set(labels).size !== labels.length
    ) {
      bad(`people.labels: expected a non-empty array of distinct integers, got ${describeValue(labels)}`);
    }
    const count = (labels as number[]).length;
    const means = p?.means;
    if (
      !Array.isArray(means) ||
      means.length !== count * k ||
      !means.every((v) => typeof v === 'number' && Number.isFinite(v))
    ) {
      bad(
        `people.means: expected ${count * k} finite numbers (${count} people × ${k}), got ${describeValue(means)}`,
      );
    }
    people = { labels: [...(labels as number[])], means: tf.tensor2d(means as number[], [count, k]) };
  }
  return {
    pca,
    normalize: o.normalize as boolean,
    height,
    width,
    people,
    threshold: (o.threshold as number | null) ?? Infinity,
  };
}
