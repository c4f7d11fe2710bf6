import { Rng } from '@cnn/core';
import { DatasetError } from './errors';
import { type ImageSet, subset } from './image_set';

export interface SplitOptions {
  /** Keep each class's share the same in every part (within one example). Default true. */
  stratify?: boolean;
  /** Seed of the shuffle; the same seed gives the same parts everywhere. Default 0. */
  seed?: number;
}

/**
 * Splits a set into named parts, sized by fractions of the set (`0.8`) or counts (`8000`), after a seeded
 * shuffle, stratified by class by default. Parts need not cover the whole set.
 *
 * @example
 * ```ts
 * const { train, validation, test } = split(set, { train: 0.8, validation: 0.1, test: 0.1 }, { seed: 1 });
 * ```
 */
export function split<K extends string>(
  set: ImageSet,
  parts: Record<K, number>,
  options: SplitOptions = {},
): Record<K, ImageSet> {
  const indices = splitIndices(set.labels, parts, options);
  const out = {} as Record<K, ImageSet>;
  for (const name of Object.keys(parts) as K[]) out[name] = subset(set, indices[name]);
  return out;
}

/** {@link split} on labels alone: the indices of each part. */
export function splitIndices<K extends string>(
  labels: ArrayLike<number>,
  parts: Record<K, number>,
  options: SplitOptions = {},
): Record<K, Int32Array> {
  const n = labels.length;
  const names = Object.keys(parts) as K[];
  if (names.length === 0)
    throw new DatasetError('split: name at least one part, e.g. { train: 0.8, test: 0.2 }');
  // Fractions are rounded cumulatively, so fractions that sum to 1 cover the set exactly.
  let fraction = 0;
  const sizes = names.map((name) => {
    const value = parts[name];
    if (!(value > 0 && value < 1)) return count(name, value);
    const size = Math.round((fraction + value) * n) - Math.round(fraction * n);
    fraction += value;
    return size;
  });
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total > n) {
    throw new DatasetError(
      `split: the parts take ${names.map((name, i) => `${name} ${sizes[i]}`).join(' + ')} = ${total} examples, the set has ${n}`,
    );
  }
  const order = shuffledOrder(labels, options.stratify ?? true, new Rng(options.seed ?? 0));
  const out = {} as Record<K, Int32Array>;
  let start = 0;
  names.forEach((name, i) => {
    out[name] = order.slice(start, start + sizes[i]!);
    start += sizes[i]!;
  });
  return out;
}

/** The training and validation indices of one fold. */
export interface Fold {
  readonly train: Int32Array;
  readonly validation: Int32Array;
}

/**
 * k-fold cross-validation: each example is in the validation part of exactly one fold; stratified by
 * class by default (each fold holds every class in its share, within one), shuffled with a seed.
 * Take the sets with `subset(set, fold.train)`.
 *
 * @example
 * ```ts
 * for (const fold of kFold(set.labels, 5, { seed: 0 })) {
 *   const model = train(subset(set, fold.train));
 *   scores.push(evaluate(model, subset(set, fold.validation)));
 * }
 * ```
 */
export function kFold(labels: ArrayLike<number>, k: number, options: SplitOptions = {}): Fold[] {
  const n = labels.length;
  if (!Number.isInteger(k) || k < 2 || k > n) {
    throw new DatasetError(`kFold: k must be an integer in [2, ${n}] (the number of examples), got ${k}`);
  }
  // Dealt like cards, class after class: each class goes round the folds, and so do the fold sizes.
  const rng = new Rng(options.seed ?? 0);
  const order = (options.stratify ?? true) ? classGroups(labels, rng).flat() : rng.permutation(n);
  const foldOf = new Int32Array(n);
  order.forEach((index, position) => {
    foldOf[index] = position % k;
  });
  return Array.from({ length: k }, (_, fold) => {
    const validation: number[] = [];
    const train: number[] = [];
    for (let i = 0; i < n; i++) (foldOf[i] === fold ? validation : train).push(i);
    return { train: Int32Array.from(train), validation: Int32Array.from(validation) };
  });
}

/**
 * A random order of all indices. Stratified, each class is shuffled and its examples spread evenly over
 * the order (the j-th of a class of m sits at (j + ½)/m, classes interleaved by that position), so any
 * run of consecutive positions holds each class in proportion.
 */
function shuffledOrder(labels: ArrayLike<number>, stratify: boolean, rng: Rng): Int32Array {
  if (!stratify) return rng.permutation(labels.length);
  const keyed: { index: number; key: number; tie: number }[] = [];
  for (const members of classGroups(labels, rng)) {
    members.forEach((index, j) => {
      keyed.push({ index, key: (j + 0.5) / members.length, tie: rng.float() });
    });
  }
  keyed.sort((a, b) => a.key - b.key || a.tie - b.tie);
  return Int32Array.from(keyed, (e) => e.index);
}

/** The indices of each class, shuffled, classes in ascending order. */
function classGroups(labels: ArrayLike<number>, rng: Rng): number[][] {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label)) {
      throw new DatasetError(`split: stratifying needs integer class labels, label ${i} is ${label}`);
    }
    const members = byClass.get(label);
    if (members) members.push(i);
    else byClass.set(label, [i]);
  }
  return [...byClass.keys()].sort((a, b) => a - b).map((label) => rng.shuffle(byClass.get(label)!));
}

function count(name: string, value: number): number {
  if (Number.isInteger(value) && value >= 0) return value;
  throw new DatasetError(
    `split: part '${name}' must be a fraction in (0, 1) or a count of examples, got ${value}`,
  );
}
