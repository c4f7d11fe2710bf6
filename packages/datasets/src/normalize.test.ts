import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import { imageSet } from './image_set';
import { channelStats, normalize, oneHot } from './normalize';

type Shape = [number, number, number, number];

/** The textbook two-pass computation in float64: mean first, then the mean squared deviation. */
function twoPass(values: ArrayLike<number>, channels: number): { mean: number[]; std: number[] } {
  const count = values.length / channels;
  const mean: number[] = [];
  const std: number[] = [];
  for (let ch = 0; ch < channels; ch++) {
    let sum = 0;
    for (let k = ch; k < values.length; k += channels) sum += values[k]!;
    const m = sum / count;
    let squares = 0;
    for (let k = ch; k < values.length; k += channels) squares += (values[k]! - m) ** 2;
    mean.push(m);
    std.push(Math.sqrt(squares / count));
  }
  return { mean, std };
}

function expectRelative(actual: number[], expected: number[], tolerance: number) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, k) => {
    expect(Math.abs(v - expected[k]!)).toBeLessThanOrEqual(tolerance * Math.abs(expected[k]!));
  });
}

const size = (s: Shape) => s.reduce((a, b) => a * b, 1);

describe('channelStats', () => {
  it('matches a two-pass float64 computation on random floats and bytes', () => {
    const rng = new Rng(1);
    const grey: Shape = [8, 28, 28, 1];
    const floats = Float32Array.from({ length: size(grey) }, () => rng.normal(0.3, 2));
    const stats = channelStats(floats, grey);
    const reference = twoPass(floats, 1);
    expectRelative(stats.mean, reference.mean, 1e-12);
    expectRelative(stats.std, reference.std, 1e-12);

    // Bytes with a different spread per channel; the ImageSet form gives the same answer.
    const rgb: Shape = [4, 32, 32, 3];
    const bytes = Uint8Array.from({ length: size(rgb) }, (_, k) => rng.int(64 + 96 * (k % 3)));
    const set = imageSet({ images: bytes, shape: rgb, labels: new Int32Array(4), classes: ['a'] });
    const fromSet = channelStats(set);
    expect(channelStats(bytes, rgb)).toEqual(fromSet);
    const exact = twoPass(bytes, 3);
    expectRelative(fromSet.mean, exact.mean, 1e-12);
    expectRelative(fromSet.std, exact.std, 1e-12);

    // scale is applied to the pixels first: means scale with it, standard deviations with its size.
    const scaled = channelStats(set, { scale: -1 / 255 });
    expectRelative(
      scaled.mean,
      exact.mean.map((m) => -m / 255),
      1e-12,
    );
    expectRelative(
      scaled.std,
      exact.std.map((s) => s / 255),
      1e-12,
    );
  });

  it('stays exact far from zero, where the float32 sum of squares collapses', () => {
    const rng = new Rng(2);
    const shape: Shape = [4, 32, 32, 3];
    const values = Float32Array.from({ length: size(shape) }, () => 1e4 + rng.uniform(0, 1));
    const reference = twoPass(values, 3);
    // The naive E[x²] − E[x]² accumulated in float32 is nowhere near the true spread (≈ 0.29):
    let sum = 0;
    let squares = 0;
    for (let k = 0; k < values.length; k += 3) {
      sum = Math.fround(sum + values[k]!);
      squares = Math.fround(squares + Math.fround(values[k]! * values[k]!));
    }
    const n = values.length / 3;
    const naiveVariance = Math.fround(squares / n) - Math.fround(sum / n) ** 2;
    expect(Math.abs(naiveVariance - reference.std[0]! ** 2)).toBeGreaterThan(reference.std[0]! ** 2);

    const stats = channelStats(values, shape);
    expectRelative(stats.mean, reference.mean, 1e-12);
    expectRelative(stats.std, reference.std, 1e-9);
    for (const s of stats.std) expect(s).toBeCloseTo(Math.sqrt(1 / 12), 1);
  });

  it('says what was expected when the pixels and shape disagree', () => {
    expect(() => channelStats(new Float32Array(10), [1, 2, 2, 3])).toThrow(
      /1×2×2×3 images need 12 values, got 10/,
    );
    expect(() => channelStats(new Float32Array(0), [0, 2, 2, 3])).toThrow(/no pixels/);
    expect(() => channelStats(new Float32Array(4), [2, 2] as unknown as Shape)).toThrow(DatasetError);
    expect(() => channelStats(Float32Array.of(1, Number.NaN), [1, 1, 2, 1])).toThrow(/not finite/);
    expect(() => channelStats(new Float32Array(4), [1, 2, 2, 1], { scale: 0 })).toThrow(/scale/);
  });
});

describe('normalize', () => {
  it('computes (x · scale − mean) / std per channel', async () => {
    const rng = new Rng(3);
    const shape: Shape = [4, 32, 32, 3];
    const bytes = Float32Array.from({ length: size(shape) }, () => rng.int(256));
    const stats = { mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26] };
    const x = tf.tensor4d(bytes, shape, 'int32');
    const y = await expectNoLeaks(() => normalize(x, stats, { scale: 1 / 255 }));
    expect(y.dtype).toBe('float32');
    expect(y.shape).toEqual(shape);
    const out = await y.data();
    let worst = 0;
    for (let k = 0; k < out.length; k++) {
      const expected = (bytes[k]! / 255 - stats.mean[k % 3]!) / stats.std[k % 3]!;
      worst = Math.max(worst, Math.abs(out[k]! - expected));
    }
    expect(worst).toBeLessThan(1e-5);
    tf.dispose([x, y]);
  });

  it('with the stats of the same data gives each channel mean 0 and std 1', async () => {
    const rng = new Rng(4);
    const shape: Shape = [8, 28, 28, 1];
    const values = Float32Array.from({ length: size(shape) }, () => rng.uniform(0, 255));
    const x = tf.tensor4d(values, shape);
    const y = normalize(x, channelStats(values, shape, { scale: 1 / 255 }), { scale: 1 / 255 });
    const after = twoPass(await y.data(), 1);
    expect(Math.abs(after.mean[0]!)).toBeLessThan(1e-5);
    expect(after.std[0]).toBeCloseTo(1, 5);
    tf.dispose([x, y]);
  });

  it('rejects stats that do not fit the images', () => {
    const x = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    expect(() => normalize(x, { mean: [0, 0, 0], std: [1, 1, 1] })).toThrow(
      /the images have 1 channel\(s\) but stats have 3 mean\(s\) and 3 std\(s\)/,
    );
    expect(() => normalize(x, { mean: [0], std: [0] })).toThrow(
      /std of channel 0 must be a positive number, got 0/,
    );
    expect(() => normalize(x, { mean: [Number.NaN], std: [1] })).toThrow(DatasetError);
    x.dispose();
  });
});

describe('oneHot', () => {
  it('turns labels into float32 one-hot rows', async () => {
    const expected = [
      [0, 0, 1, 0],
      [1, 0, 0, 0],
      [0, 0, 0, 1],
    ];
    const tensor = tf.tensor1d([2, 0, 3], 'int32');
    for (const labels of [Int32Array.of(2, 0, 3), [2, 0, 3], tensor]) {
      const y = await expectNoLeaks(() => oneHot(labels, 4));
      expect(y.dtype).toBe('float32');
      expect(await y.array()).toEqual(expected);
      y.dispose();
    }
    tensor.dispose();
  });

  it('rejects labels that are not class indices', () => {
    expect(() => oneHot(Int32Array.of(0, 4), 4)).toThrow(
      /label 4 at index 1 is not a class index in \[0, 4\)/,
    );
    expect(() => oneHot([-1], 4)).toThrow(DatasetError);
    expect(() => oneHot([1.5], 4)).toThrow(/label 1.5/);
    expect(() => oneHot([0], 0)).toThrow(/numClasses must be a positive integer, got 0/);
    const matrix = tf.zeros([2, 2], 'int32');
    expect(() => oneHot(matrix as unknown as tf.Tensor1D, 2)).toThrow(/1-D tensor, got rank 2/);
    matrix.dispose();
  });
});
