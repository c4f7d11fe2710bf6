import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { mnistEmbedded } from './mnist';

describe('mnistEmbedded', () => {
  it('holds the 10,000 digits of the mnist package as exact bytes, every class in any prefix', async () => {
    const set = await mnistEmbedded();
    expect(set.shape).toEqual([10000, 28, 28, 1]);
    const counts = new Array(10).fill(0);
    for (const label of set.labels) counts[label]++;
    // The package's own per-digit counts, read independently.
    const require = createRequire(import.meta.url);
    const raw = Array.from({ length: 10 }, (_, d) => require(`mnist/src/digits/${d}.json`).data as number[]);
    expect(counts).toEqual(raw.map((data) => data.length / 784));
    const prefix = new Set(set.labels.subarray(0, 200));
    expect(prefix.size).toBe(10);
    // Each image of the set is, byte for byte, some image of its digit's file: find image 0's source.
    const digit = set.labels[0]!;
    const image = set.images.subarray(0, 784);
    const file = raw[digit]!;
    let found = -1;
    for (let j = 0; j < file.length / 784 && found < 0; j++) {
      let same = true;
      for (let p = 0; p < 784 && same; p++) same = Math.abs(file[j * 784 + p]! * 255 - image[p]!) < 0.5;
      if (same) found = j;
    }
    expect(found).toBeGreaterThanOrEqual(0);
    // Digits are ink on black: mean intensity of MNIST is about 33 of 255.
    let sum = 0;
    for (const v of set.images) sum += v;
    const mean = sum / set.images.length;
    expect(mean).toBeGreaterThan(25);
    expect(mean).toBeLessThan(40);
  });
});
