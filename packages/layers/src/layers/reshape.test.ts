import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { LayerError, ShapeError } from '../errors';
import { gradientCheck } from '../gradient_check';
import { Flatten, Reshape, ZeroPadding2D } from './reshape';

describe('Flatten', () => {
  it('lays each example out row-major, channels last', async () => {
    const layer = new Flatten();
    const x = new Rng(1).randomNormal([2, 3, 4, 5]);
    const y = await expectNoLeaks(() => layer.apply(x), 'Flatten.apply');
    expect(y.shape).toEqual([2, 60]);
    expect(layer.computeOutputShape([[null, 3, 4, 5]])).toEqual([null, 60]);
    expect(layer.computeOutputShape([[null, null, 4, 5]])).toEqual([null, null]);
    // Reference: y[b, (i·4 + j)·5 + k] = x[b, i, j, k]
    const xs = x.arraySync() as number[][][][];
    const ys = y.arraySync() as number[][];
    for (let b = 0; b < 2; b++)
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 4; j++)
          for (let k = 0; k < 5; k++) expect(ys[b]![(i * 4 + j) * 5 + k]).toBe(xs[b]![i]![j]![k]);
    expect(gradientCheck(layer, [x]).maxRelativeError).toBeLessThan(1e-2);
    expect(new Flatten().apply(tf.zeros([3])).shape).toEqual([3, 1]);
    expect(() => new Flatten({ name: 'f' }).computeOutputShape([[]])).toThrow(
      'f: expects a batch axis, got a scalar',
    );
    tf.dispose([x, y]);
  });
});

describe('Reshape', () => {
  it.each([
    [
      [28, 28, 1],
      [null, 28, 28, 1],
    ],
    [
      [-1, 7],
      [null, 112, 7],
    ],
    [
      [4, -1, 2],
      [null, 4, 98, 2],
    ],
  ])('reshapes each example to %j', async (targetShape, want) => {
    const layer = new Reshape({ targetShape });
    const x = new Rng(2).randomNormal([3, 784]);
    const y = await expectNoLeaks(() => layer.apply(x), 'Reshape.apply');
    expect(layer.computeOutputShape([[null, 784]])).toEqual(want);
    expect(y.shape).toEqual([3, ...want.slice(1)]);
    // Row-major: the values keep their order.
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    tf.dispose([x, y]);
  });

  it('passes the gradient check', () => {
    const x = new Rng(3).randomNormal([2, 6]);
    expect(gradientCheck(new Reshape({ targetShape: [3, -1] }), [x]).maxRelativeError).toBeLessThan(1e-2);
    x.dispose();
  });

  it('shows the count when the sizes disagree', () => {
    const layer = new Reshape({ targetShape: [3, -1], name: 'r' });
    expect(() => layer.computeOutputShape([[null, 4, 5]])).toThrow(ShapeError);
    expect(() => layer.computeOutputShape([[null, 4, 5]])).toThrow(
      'r: cannot reshape [null, 4, 5] to [3, -1]: 20 values per example are not a multiple of 3',
    );
    expect(() => new Reshape({ targetShape: [3, 6], name: 's' }).apply(tf.zeros([2, 4, 5]))).toThrow(
      's: cannot reshape [null, 4, 5] to [3, 6]: 20 values per example, [3, 6] holds 18',
    );
    expect(new Reshape({ targetShape: [2, -1] }).computeOutputShape([[null, null, 4]])).toEqual([
      null,
      2,
      null,
    ]);
  });

  it('rejects bad target shapes and reports its config', () => {
    expect(() => new Reshape({ targetShape: [-1, -1], name: 'r' })).toThrow(
      'r: targetShape may infer one axis (-1), got [-1,-1]',
    );
    expect(() => new Reshape({ targetShape: [0, 3] })).toThrow(LayerError);
    expect(new Reshape({ targetShape: [7, 7, 64], name: 'r2' }).getConfig()).toEqual({
      name: 'r2',
      trainable: true,
      targetShape: [7, 7, 64],
    });
  });
});

describe('ZeroPadding2D', () => {
  /** Zero padding by definition: y[b, i, j, k] = x[b, i − top, j − left, k] inside, 0 outside. */
  function referencePad(x: number[][][][], top: number, bottom: number, left: number, right: number) {
    const [h, w, c] = [x[0]!.length, x[0]![0]!.length, x[0]![0]![0]!.length];
    return x.map((image) =>
      Array.from({ length: h + top + bottom }, (_, i) =>
        Array.from({ length: w + left + right }, (_, j) =>
          Array.from({ length: c }, (_, k) => image[i - top]?.[j - left]?.[k] ?? 0),
        ),
      ),
    );
  }

  it.each([
    [undefined, [1, 1, 1, 1]],
    [2, [2, 2, 2, 2]],
    [
      [1, 2],
      [1, 1, 2, 2],
    ],
    [
      [
        [0, 2],
        [3, 1],
      ],
      [0, 2, 3, 1],
    ],
  ] as const)('pads with zeros: %j', async (padding, [top, bottom, left, right]) => {
    const layer = new ZeroPadding2D(padding === undefined ? {} : { padding });
    const x = new Rng(4).randomNormal([2, 3, 4, 2]);
    const y = await expectNoLeaks(() => layer.apply(x), 'ZeroPadding2D.apply');
    const want = referencePad(x.arraySync() as number[][][][], top, bottom, left, right);
    expect(y.shape).toEqual([2, 3 + top + bottom, 4 + left + right, 2]);
    expect(layer.computeOutputShape([[null, 3, 4, 2]])).toEqual([null, ...y.shape.slice(1)]);
    expect(y.arraySync()).toEqual(want);
    expect(layer.getConfig().padding).toEqual([
      [top, bottom],
      [left, right],
    ]);
    tf.dispose([x, y]);
  });

  it('passes the gradient check and checks its input', () => {
    const layer = new ZeroPadding2D({ padding: [1, 2], name: 'z' });
    const x = new Rng(5).randomNormal([1, 3, 3, 2]);
    expect(gradientCheck(layer, [x]).maxRelativeError).toBeLessThan(1e-2);
    expect(() => layer.computeOutputShape([[null, 3, 3]])).toThrow(
      'z: expects NHWC images [batch, height, width, channels] (rank 4), got [null, 3, 3]',
    );
    expect(() => new ZeroPadding2D({ padding: -1 })).toThrow(LayerError);
    expect(layer.className).toBe('ZeroPadding2D');
    x.dispose();
  });
});
