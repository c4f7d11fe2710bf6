import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import { imageSet } from './image_set';
import { kFold, split, splitIndices } from './split';

/** Labels of an unbalanced 3-class set: 50 of class 0, 30 of class 1, 20 of class 2, interleaved. */
const labels = Int32Array.from({ length: 100 }, (_, i) => (i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2));

const countOf = (indices: Int32Array, cls: number) => [...indices].filter((i) => labels[i] === cls).length;

describe('split', () => {
  it('cuts disjoint parts of the asked sizes that together cover the set', () => {
    const parts = splitIndices(labels, { train: 0.7, validation: 0.15, test: 0.15 }, { seed: 1 });
    expect([parts.train.length, parts.validation.length, parts.test.length]).toEqual([70, 15, 15]);
    const all = [...parts.train, ...parts.validation, ...parts.test].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // Fractions that sum to 1 cover a set of any size, whatever the rounding.
    const odd = splitIndices(labels.subarray(0, 37), { a: 1 / 3, b: 1 / 3, c: 1 / 3 });
    expect(odd.a.length + odd.b.length + odd.c.length).toBe(37);
  });

  it('keeps each class in proportion in every part when stratified', () => {
    const parts = splitIndices(labels, { train: 0.8, test: 0.2 }, { seed: 3 });
    for (const [cls, share] of [
      [0, 0.5],
      [1, 0.3],
      [2, 0.2],
    ] as const) {
      expect(Math.abs(countOf(parts.train, cls) - 80 * share)).toBeLessThanOrEqual(1);
      expect(Math.abs(countOf(parts.test, cls) - 20 * share)).toBeLessThanOrEqual(1);
    }
  });

  it('is fixed by its seed and shuffles', () => {
    const a = splitIndices(labels, { train: 60, test: 40 }, { seed: 5 });
    const b = splitIndices(labels, { train: 60, test: 40 }, { seed: 5 });
    const c = splitIndices(labels, { train: 60, test: 40 }, { seed: 6, stratify: false });
    expect(a).toEqual(b);
    expect([...a.train]).not.toEqual([...c.train]);
    expect([...a.train].sort((x, y) => x - y)).not.toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('splits an image set into image sets', () => {
    const images = new Uint8Array(100 * 4).map((_, i) => Math.floor(i / 4));
    const set = imageSet({ images, shape: [100, 2, 2, 1], labels, classes: ['a', 'b', 'c'] });
    const { train, test } = split(set, { train: 0.9, test: 0.1 }, { seed: 2 });
    expect(train.shape).toEqual([90, 2, 2, 1]);
    expect(test.shape).toEqual([10, 2, 2, 1]);
    for (let k = 0; k < 10; k++) {
      const original = test.images[k * 4]!; // every pixel of image i holds i
      expect(test.labels[k]).toBe(labels[original]);
    }
  });

  it('rejects parts that ask for more than the set holds, or nonsense', () => {
    expect(() => splitIndices(labels, { train: 80, test: 30 })).toThrow(
      /train 80 \+ test 30 = 110 examples, the set has 100/,
    );
    expect(() => splitIndices(labels, { train: -2 })).toThrow(DatasetError);
    expect(() => splitIndices(labels, {})).toThrow(/at least one part/);
  });
});

describe('kFold', () => {
  it('puts every example in exactly one validation fold, classes balanced within one', () => {
    const folds = kFold(labels, 7, { seed: 4 });
    expect(folds).toHaveLength(7);
    const seen = new Int32Array(100);
    for (const { train, validation } of folds) {
      for (const i of validation) seen[i]!++;
      expect(train.length + validation.length).toBe(100);
      expect(new Set([...train, ...validation]).size).toBe(100);
      expect(validation.length === 14 || validation.length === 15).toBe(true);
      for (const [cls, total] of [
        [0, 50],
        [1, 30],
        [2, 20],
      ] as const) {
        const share = countOf(validation, cls);
        expect(share === Math.floor(total / 7) || share === Math.ceil(total / 7)).toBe(true);
      }
    }
    expect([...seen].every((v) => v === 1)).toBe(true);
  });

  it('checks k', () => {
    expect(() => kFold(labels, 1)).toThrow(/k must be an integer in \[2, 100\]/);
    expect(() => kFold(labels.subarray(0, 3), 4)).toThrow(DatasetError);
  });
});
