import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { LayerError, ShapeError } from '../errors';
import { gradientCheck } from '../gradient_check';
import {
  AveragePooling2D,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  MaxPooling2D,
  type Pooling2DConfig,
} from './pooling';

/** Distinct values at least 0.1 apart, so no window has a tie and ±ε never changes which cell is largest. */
function distinct(shape: number[], seed: number, offset = 0): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const perm = new Rng(seed).permutation(n);
  return tf.tensor(
    Float32Array.from(perm, (v) => v * 0.1 + offset),
    shape,
  );
}

type Mode = 'max' | 'avg';

/** Pooling from its definition; explicit padding counts as −∞ for max and as zeros (full window) for avg. */
function referencePool(
  x: ArrayLike<number>,
  [n, h, w, c]: number[],
  mode: Mode,
  [fh, fw]: number[],
  [sh, sw]: number[],
  padding: 'same' | 'valid' | [number, number],
): { data: Float32Array; shape: number[] } {
  const side = (size: number, f: number, s: number, axis: number): [number, number] => {
    if (padding === 'valid') return [Math.floor((size - f) / s) + 1, 0];
    if (padding === 'same') {
      const out = Math.ceil(size / s);
      return [out, Math.floor(Math.max((out - 1) * s + f - size, 0) / 2)];
    }
    const p = padding[axis]!;
    return [Math.floor((size + 2 * p - f) / s) + 1, p];
  };
  const [oh, top] = side(h!, fh!, sh!, 0);
  const [ow, left] = side(w!, fw!, sw!, 1);
  const out = new Float32Array(n! * oh * ow * c!);
  for (let b = 0; b < n!; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < c!; k++) {
          let max = -Infinity;
          let sum = 0;
          let count = 0;
          for (let r = i * sh! - top; r < i * sh! - top + fh!; r++)
            for (let q = j * sw! - left; q < j * sw! - left + fw!; q++) {
              if (r < 0 || r >= h! || q < 0 || q >= w!) continue;
              const v = x[((b * h! + r) * w! + q) * c! + k]!;
              max = Math.max(max, v);
              sum += v;
              count++;
            }
          const avg = sum / (typeof padding === 'string' ? count : fh! * fw!);
          out[((b * oh + i) * ow + j) * c! + k] = mode === 'max' ? max : avg;
        }
  return { data: out, shape: [n!, oh, ow, c!] };
}

const cases: [string, Mode, Pooling2DConfig][] = [
  ['max 2×2 (defaults)', 'max', {}],
  ['max 3×3 stride 2 same', 'max', { poolSize: 3, strides: 2, padding: 'same' }],
  ['max 3×3 stride 2 padding 1', 'max', { poolSize: 3, strides: 2, padding: 1 }],
  ['max [2, 3] stride [1, 2] padding [1, 2]', 'max', { poolSize: [2, 3], strides: [1, 2], padding: [1, 2] }],
  ['avg 2×2 (defaults)', 'avg', {}],
  ['avg 3×3 stride 2 same', 'avg', { poolSize: 3, strides: 2, padding: 'same' }],
  [
    'avg [1, 2] stride [1, 2] same (no padding needed)',
    'avg',
    { poolSize: [1, 2], strides: [1, 2], padding: 'same' },
  ],
  ['avg 3×3 stride 1 padding 1', 'avg', { poolSize: 3, strides: 1, padding: 1 }],
  ['avg [2, 3] stride [1, 2] padding [1, 2]', 'avg', { poolSize: [2, 3], strides: [1, 2], padding: [1, 2] }],
];

const make = (mode: Mode, config: Pooling2DConfig) =>
  mode === 'max' ? new MaxPooling2D(config) : new AveragePooling2D(config);

describe('MaxPooling2D and AveragePooling2D', () => {
  it.each(cases)('match pooling by definition: %s', async (_, mode, config) => {
    const layer = make(mode, config);
    // All negative: zero padding would win every border window of max pooling; −∞ padding never does.
    const x = distinct([2, 5, 6, 3], 1, -20);
    const y = await expectNoLeaks(() => layer.apply(x), 'pooling');
    const pool = layer.poolSize;
    const padding = typeof layer.padding === 'number' ? [layer.padding, layer.padding] : layer.padding;
    const ref = referencePool(x.dataSync(), x.shape, mode, pool, layer.strides, padding as [number, number]);
    expect(y.shape).toEqual(ref.shape);
    expect(layer.computeOutputShape([[null, 5, 6, 3]])).toEqual([null, ...ref.shape.slice(1)]);
    const got = y.dataSync();
    for (let i = 0; i < ref.data.length; i++) expect(got[i]).toBeCloseTo(ref.data[i]!, 4);
    tf.dispose([x, y]);
  });

  it.each(cases)('pass the gradient check: %s', (_, mode, config) => {
    const x = distinct([2, 5, 6, 2], 2, -3);
    const { maxRelativeError } = gradientCheck(make(mode, config), [x], { samples: 16, epsilon: 0.04 });
    expect(maxRelativeError).toBeLessThan(1e-2);
    x.dispose();
  });

  it('show the (W − F + 2P)/S + 1 arithmetic when the window does not fit', () => {
    const layer = new MaxPooling2D({ poolSize: 4, strides: 2, name: 'pool' });
    expect(() => layer.computeOutputShape([[null, 8, 2, 3]])).toThrow(ShapeError);
    expect(() => layer.computeOutputShape([[null, 8, 2, 3]])).toThrow(
      'pool: the width of its input, 2, is too small: (W − F + 2P)/S + 1 = (2 − 4 + 2·0)/2 + 1 = 0 < 1',
    );
    expect(() => new AveragePooling2D({ name: 'a' }).computeOutputShape([[null, 4, 4]])).toThrow(
      'a: expects NHWC images [batch, height, width, channels] (rank 4), got [null, 4, 4]',
    );
  });

  it('reject padding as wide as the window and bad sizes', () => {
    expect(() => new MaxPooling2D({ poolSize: 2, padding: 2, name: 'p' })).toThrow(
      'p: padding [2,2] must be less than poolSize [2,2] on each axis',
    );
    expect(() => new AveragePooling2D({ poolSize: 0 })).toThrow(LayerError);
  });

  it('report their Keras config, strides defaulting to the pool size', () => {
    const layer = new MaxPooling2D({ poolSize: 3, name: 'm' });
    expect(layer.className).toBe('MaxPooling2D');
    expect(layer.getConfig()).toEqual({
      name: 'm',
      trainable: true,
      poolSize: [3, 3],
      strides: [3, 3],
      padding: 'valid',
    });
    expect(new AveragePooling2D().className).toBe('AveragePooling2D');
  });
});

describe('GlobalAveragePooling2D and GlobalMaxPooling2D', () => {
  it.each(['avg', 'max'] as const)('reduce each channel over the image: %s', async (mode) => {
    const layer = mode === 'avg' ? new GlobalAveragePooling2D() : new GlobalMaxPooling2D();
    const x = distinct([2, 3, 4, 5], 3, -7);
    const y = await expectNoLeaks(() => layer.apply(x), 'global pooling');
    expect(y.shape).toEqual([2, 5]);
    expect(layer.computeOutputShape([[null, 3, 4, 5]])).toEqual([null, 5]);
    const v = x.dataSync();
    const got = y.dataSync();
    for (let b = 0; b < 2; b++)
      for (let k = 0; k < 5; k++) {
        const cells = Array.from({ length: 12 }, (_, p) => v[(b * 12 + p) * 5 + k]!);
        const want = mode === 'avg' ? cells.reduce((s, c) => s + c, 0) / 12 : Math.max(...cells);
        expect(got[b * 5 + k]).toBeCloseTo(want, 4);
      }
    const { maxRelativeError } = gradientCheck(layer, [x], { samples: 16 });
    expect(maxRelativeError).toBeLessThan(1e-2);
    tf.dispose([x, y]);
  });

  it('take NHWC images only', () => {
    const layer = new GlobalMaxPooling2D({ name: 'g' });
    expect(layer.className).toBe('GlobalMaxPooling2D');
    expect(new GlobalAveragePooling2D().className).toBe('GlobalAveragePooling2D');
    expect(() => layer.computeOutputShape([[null, 10]])).toThrow(
      'g: expects NHWC images [batch, height, width, channels] (rank 4), got [null, 10]',
    );
  });
});
