import { expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Dataset } from './dataset';
import { DatasetError } from './errors';
import { type ImageSet, imageSet } from './image_set';

/** n images of 2×3×c whose every value encodes (image, position): easy to check after batching. */
function numbered(n: number, c = 1): ImageSet {
  const size = 2 * 3 * c;
  const images = new Uint8Array(n * size).map((_, i) => (Math.floor(i / size) * 7 + (i % size)) % 256);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  return imageSet({ images, shape: [n, 2, 3, c], labels, classes: ['a', 'b', 'c'] });
}

const ints = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('Dataset', () => {
  it('batches images into NHWC float32 tensors holding the same pixels, labels into int32', async () => {
    const set = numbered(10, 3);
    const batches = await Dataset.fromImages(set).batch(4).toArray();
    expect(batches.map((b) => b.x.shape)).toEqual([
      [4, 2, 3, 3],
      [4, 2, 3, 3],
      [2, 2, 3, 3],
    ]);
    const x = batches.flatMap((b) => [...b.x.dataSync()]);
    const y = batches.flatMap((b) => [...b.y.dataSync()]);
    expect(x).toEqual([...set.images]);
    expect(y).toEqual([...set.labels]);
    expect(batches[0]!.x.dtype).toBe('float32');
    expect(batches[0]!.y.dtype).toBe('int32');
    tf.dispose(batches.flatMap((b) => [b.x, b.y]));
  });

  it('knows its size through the steps that keep it computable', () => {
    const ds = Dataset.from(ints(10));
    expect(ds.size).toBe(10);
    expect(ds.batch(4).size).toBe(3);
    expect(ds.batch(4, { dropRemainder: true }).size).toBe(2);
    expect(ds.take(3).size).toBe(3);
    expect(ds.skip(7).size).toBe(3);
    expect(ds.skip(12).size).toBe(0);
    expect(ds.repeat(3).size).toBe(30);
    expect(ds.shuffle(4).map((v) => v * 2).size).toBe(10);
    expect(ds.filter((v) => v > 2).size).toBeUndefined();
  });

  it('take, skip, repeat, filter and dropRemainder yield what they say', async () => {
    const ds = Dataset.from(ints(10));
    expect(await ds.take(3).toArray()).toEqual([0, 1, 2]);
    expect(await ds.skip(8).toArray()).toEqual([8, 9]);
    expect(await ds.take(0).toArray()).toEqual([]);
    expect(await ds.take(2).repeat(3).toArray()).toEqual([0, 1, 0, 1, 0, 1]);
    expect(await ds.filter((v) => v % 3 === 0).toArray()).toEqual([0, 3, 6, 9]);
    expect(await Dataset.from<number>([]).repeat().toArray()).toEqual([]);
    const sizes = (await ds.batch(4, { dropRemainder: true }).toArray()).map((b) => b.shape[0]);
    expect(sizes).toEqual([4, 4]);
  });

  it('shuffles into a permutation that the seed fixes and each epoch redraws', async () => {
    const ds = Dataset.from(ints(50)).shuffle(50, { seed: 7 });
    const epoch1 = await ds.toArray();
    const epoch2 = await ds.toArray();
    expect([...epoch1].sort((a, b) => a - b)).toEqual(ints(50));
    expect(epoch1).not.toEqual(ints(50));
    expect(epoch2).not.toEqual(epoch1);
    const again = Dataset.from(ints(50)).shuffle(50, { seed: 7 });
    expect(await again.toArray()).toEqual(epoch1);
    expect(await again.toArray()).toEqual(epoch2);
    const fixed = Dataset.from(ints(50)).shuffle(50, { seed: 7, reshuffleEachIteration: false });
    expect(await fixed.toArray()).toEqual(await fixed.toArray());
    expect(await Dataset.from(ints(50)).shuffle(50, { seed: 8 }).toArray()).not.toEqual(epoch1);
  });

  it('shuffles uniformly with a full buffer and keeps every element with a small one', async () => {
    // Where element 0 lands over 3000 shuffles of 6: each position 500 ± a few standard deviations.
    const counts = new Array(6).fill(0);
    const ds = Dataset.from(ints(6)).shuffle(6, { seed: 1 });
    for (let t = 0; t < 3000; t++) counts[(await ds.toArray()).indexOf(0)]++;
    const chi2 = counts.reduce((s, c) => s + (c - 500) ** 2 / 500, 0);
    expect(chi2).toBeLessThan(20.5); // p ≈ 0.001 for 5 degrees of freedom
    const small = await Dataset.from(ints(100)).shuffle(8, { seed: 3 }).toArray();
    expect([...small].sort((a, b) => a - b)).toEqual(ints(100));
    expect(small).not.toEqual(ints(100));
  });

  it('map runs in tidy and frees the tensors it replaces; a pipeline leaves no tensor behind', async () => {
    const set = numbered(20);
    await expectNoLeaks(async () => {
      const ds = Dataset.fromImages(set)
        .shuffle(20, { seed: 2 })
        .batch(8)
        .map(({ x, y }) => ({ x: tf.mul(tf.sub(tf.div(x, 255), 0.5), 2), y: tf.oneHot(y, 3) }))
        .prefetch(2);
      let seen = 0;
      for await (const { x, y } of ds) {
        expect(y.shape).toEqual([x.shape[0], 3]);
        const values = x.dataSync();
        expect(Math.max(...values)).toBeLessThanOrEqual(1);
        seen += x.shape[0]!;
        tf.dispose([x, y]);
      }
      expect(seen).toBe(20);
    }, 'pipeline');
  });

  it('disposes the tensors held in buffers when iteration stops early', async () => {
    const tensors = Dataset.fromGenerator(function* () {
      for (let i = 0; i < 100; i++) yield { v: tf.scalar(i) };
    });
    await expectNoLeaks(async () => {
      for await (const { v } of tensors.shuffle(10, { seed: 1 }).prefetch(3)) {
        v.dispose();
        break;
      }
      const kept = await tensors
        .filter(({ v }) => v.dataSync()[0]! % 10 === 0)
        .skip(2)
        .take(3)
        .toArray();
      expect(kept.map(({ v }) => v.dataSync()[0])).toEqual([20, 30, 40]);
      tf.dispose(kept.map(({ v }) => v));
      const stacked = await tensors.take(5).batch(5).toArray();
      expect([...stacked[0]!.v.dataSync()]).toEqual([0, 1, 2, 3, 4]);
      stacked[0]!.v.dispose();
    }, 'early stop');
  });

  it('prefetch pulls ahead of the consumer and keeps the order', async () => {
    let made = 0;
    const ds = Dataset.fromGenerator(async function* () {
      for (let i = 0; i < 10; i++) {
        made++;
        yield i;
      }
    }).prefetch(3);
    const out: number[] = [];
    for await (const v of ds) {
      if (v === 0) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        expect(made).toBeGreaterThanOrEqual(4);
      }
      out.push(v);
    }
    expect(out).toEqual(ints(10));
  });

  it('streams a set far larger than it ever holds', async () => {
    // 100,000 examples of 784 float32 values would take 314 MB at once; a shuffle buffer of 1,000 and
    // batches of 256 keep only a few MB alive.
    const n = 100_000;
    const stream = Dataset.fromGenerator(function* () {
      for (let i = 0; i < n; i++)
        yield { x: { data: new Float32Array(784).fill(i % 251), shape: [784] }, y: i };
    }, n);
    const before = process.memoryUsage();
    let peak = 0;
    let count = 0;
    let labelSum = 0;
    for await (const { x, y } of stream.shuffle(1000, { seed: 0 }).batch(256)) {
      count += x.shape[0]!;
      for (const v of y.dataSync()) labelSum += v;
      tf.dispose([x, y]);
      const now = process.memoryUsage();
      peak = Math.max(peak, now.arrayBuffers - before.arrayBuffers);
    }
    expect(count).toBe(n);
    expect(labelSum).toBe((n * (n - 1)) / 2);
    expect(peak).toBeLessThan(100 * 2 ** 20);
  });

  it('says what it expected when given bad options or elements', async () => {
    expect(() => Dataset.from(ints(3)).batch(0)).toThrow(DatasetError);
    expect(() => Dataset.from(ints(3)).shuffle(1.5)).toThrow(
      /bufferSize must be a positive integer, got 1.5/,
    );
    expect(() => Dataset.from(ints(3)).take(-1)).toThrow(/count must be a non-negative integer/);
    const ragged = Dataset.from([
      { data: [1, 2], shape: [2] },
      { data: [1, 2, 3], shape: [3] },
    ]);
    await expect(ragged.batch(2).toArray()).rejects.toThrow(
      /element 1 has shape \[3\], the batch's first has \[2\]/,
    );
    await expect(
      Dataset.from([1])
        .map((v) => Promise.resolve(v) as unknown as number)
        .toArray(),
    ).rejects.toThrow(/use mapAsync/);
    expect(
      await Dataset.from([1, 2])
        .mapAsync(async (v) => v + 1)
        .toArray(),
    ).toEqual([2, 3]);
  });
});
