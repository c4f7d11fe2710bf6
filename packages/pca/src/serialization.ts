import * as tf from '@tensorflow/tfjs-core';
import type { Solver } from './components';
import { PcaError } from './errors';
import type { PCAOptions } from './pca';
import type { PcaState } from './state';

/** The saved form of a fitted PCA: plain JSON, row-major numbers. */
export interface PcaJSON {
  format: 'cnn-pca';
  version: 1;
  options: PCAOptions;
  featureShape: number[];
  nSamplesSeen: number;
  sumSquares: number;
  noiseVariance: number;
  /** Row-major [k, features]. */
  components: number[];
  mean: number[];
  explainedVariance: number[];
  explainedVarianceRatio: number[];
  singularValues: number[];
}

/**
 * The JSON of a fitted state and its options.
 *
 * @example
 * ```ts
 * const json = writeJSON(pca.options, state);
 * ```
 */
export function writeJSON(options: PCAOptions, state: PcaState): PcaJSON {
  const list = (x: tf.Tensor) => Array.from(x.dataSync());
  return {
    format: 'cnn-pca',
    version: 1,
    options: { ...options },
    featureShape: [...state.featureShape],
    nSamplesSeen: state.nSamplesSeen,
    sumSquares: state.sumSquares,
    noiseVariance: state.noiseVariance,
    components: list(state.components),
    mean: list(state.mean),
    explainedVariance: list(state.explainedVariance),
    explainedVarianceRatio: list(state.explainedVarianceRatio),
    singularValues: list(state.singularValues),
  };
}

const fail = (what: string): never => {
  throw new PcaError(`fromJSON: ${what}`);
};

/** What a JSON value is, for error messages: "an array of 3", "null", "string abc". */
export const describeValue = (v: unknown): string =>
  Array.isArray(v)
    ? `an array of ${v.length}`
    : v === null
      ? 'null'
      : typeof v === 'object'
        ? 'an object'
        : `${typeof v} ${String(v)}`;

function numbers(json: Record<string, unknown>, key: string, length: number): number[] {
  const v = json[key];
  if (!Array.isArray(v) || v.length !== length) {
    fail(`${key}: expected an array of ${length} numbers, got ${describeValue(v)}`);
  }
  const list = v as unknown[];
  const bad = list.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
  if (bad >= 0) fail(`${key}[${bad}]: expected a finite number, got ${describeValue(list[bad])}`);
  return list as number[];
}

function scalar(json: Record<string, unknown>, key: string, min: number, integer = false): number {
  const v = json[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    fail(`${key}: expected ${integer ? 'an integer' : 'a number'} ≥ ${min}, got ${describeValue(v)}`);
  }
  return v as number;
}

/**
 * Options and a fitted state from {@link writeJSON}'s output, every field checked: a {@link PcaError}
 * names the first wrong one, with what was expected and what came. The caller owns the state's tensors.
 *
 * @example
 * ```ts
 * const { options, state } = readJSON(JSON.parse(text));
 * ```
 */
export function readJSON(json: unknown): { options: PCAOptions; state: PcaState } {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    fail(`expected the object PCA.toJSON returns, got ${describeValue(json)}`);
  }
  const o = json as Record<string, unknown>;
  if (o.format !== 'cnn-pca') fail(`format: expected 'cnn-pca', got ${describeValue(o.format)}`);
  if (o.version !== 1) fail(`version: expected 1, got ${describeValue(o.version)}`);
  if (o.options === null || typeof o.options !== 'object' || Array.isArray(o.options)) {
    fail(`options: expected an object, got ${describeValue(o.options)}`);
  }
  const options = o.options as PCAOptions & { solver?: Solver };
  const shape = o.featureShape;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    fail(`featureShape: expected a non-empty array of positive integers, got ${describeValue(shape)}`);
  }
  const featureShape = shape as number[];
  const features = featureShape.reduce((a, b) => a * b, 1);
  const singularValues = o.singularValues;
  if (!Array.isArray(singularValues) || singularValues.length === 0 || singularValues.length > features) {
    fail(
      `singularValues: expected an array of 1 to ${features} numbers (features), got ${describeValue(singularValues)}`,
    );
  }
  const k = (singularValues as unknown[]).length;
  const values = {
    components: numbers(o, 'components', k * features),
    mean: numbers(o, 'mean', features),
    explainedVariance: numbers(o, 'explainedVariance', k),
    explainedVarianceRatio: numbers(o, 'explainedVarianceRatio', k),
    singularValues: numbers(o, 'singularValues', k),
  };
  const nSamplesSeen = scalar(o, 'nSamplesSeen', 1, true);
  const sumSquares = scalar(o, 'sumSquares', 0);
  const noiseVariance = scalar(o, 'noiseVariance', 0);
  const state: PcaState = {
    components: tf.tensor2d(values.components, [k, features]),
    mean: tf.tensor1d(values.mean),
    explainedVariance: tf.tensor1d(values.explainedVariance),
    explainedVarianceRatio: tf.tensor1d(values.explainedVarianceRatio),
    singularValues: tf.tensor1d(values.singularValues),
    noiseVariance,
    nSamplesSeen,
    sumSquares,
    featureShape: [...featureShape],
  };
  return { options: { ...options }, state };
}
