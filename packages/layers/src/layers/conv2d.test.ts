import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { LayerError, ShapeError } from '../errors';
import { gradientCheck } from '../gradient_check';
import type { Initializer } from '../initializers';
import { Conv2D, type Conv2DConfig } from './conv2d';

const uniform: Initializer = (shape, rng) => rng.randomUniform(shape, -1, 1);

interface Geometry {
  strides: number;
  padding: 'same' | 'valid' | number;
  dilation: number;
  groups: number;
}

/**
 * Convolution straight from its definition: out[b, i, j, f] = bias[f] + Σ x[b, i·s + di·d − top,
 * j·s + dj·d − left, group(f)·cg + c] · k[di, dj, c, f], zero outside the input.
 */
function referenceConv(
  x: ArrayLike<number>,
  [n, h, w, channels]: number[],
  k: ArrayLike<number>,
  [kh, kw, cg, filters]: number[],
  bias: ArrayLike<number> | null,
  g: Geometry,
): { data: Float32Array; shape: number[] } {
  const side = (size: number, window: number): [number, number] => {
    const span = (window - 1) * g.dilation + 1;
    if (g.padding === 'valid') return [Math.floor((size - span) / g.strides) + 1, 0];
    if (typeof g.padding === 'number')
      return [Math.floor((size + 2 * g.padding - span) / g.strides) + 1, g.padding];
    const out = Math.ceil(size / g.strides);
    const total = Math.max((out - 1) * g.strides + span - size, 0);
    return [out, Math.floor(total / 2)];
  };
  const [oh, top] = side(h!, kh!);
  const [ow, left] = side(w!, kw!);
  const perGroup = filters! / g.groups;
  const out = new Float32Array(n! * oh * ow * filters!);
  for (let b = 0; b < n!; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let f = 0; f < filters!; f++) {
          let sum = bias ? bias[f]! : 0;
          const group = Math.floor(f / perGroup);
          for (let di = 0; di < kh!; di++)
            for (let dj = 0; dj < kw!; dj++) {
              const r = i * g.strides + di * g.dilation - top;
              const c = j * g.strides + dj * g.dilation - left;
              if (r < 0 || r >= h! || c < 0 || c >= w!) continue;
              for (let ci = 0; ci < cg!; ci++) {
                const xv = x[((b * h! + r) * w! + c) * channels! + group * cg! + ci]!;
                sum += xv * k[((di * kw! + dj) * cg! + ci) * filters! + f]!;
              }
            }
          out[((b * oh + i) * ow + j) * filters! + f] = sum;
        }
  return { data: out, shape: [n!, oh, ow, filters!] };
}

const input = (shape: number[], seed = 1) => new Rng(seed).randomNormal(shape);

const cases: [string, Geometry][] = [
  ['stride 1, same', { strides: 1, padding: 'same', dilation: 1, groups: 1 }],
  ['stride 1, valid', { strides: 1, padding: 'valid', dilation: 1, groups: 1 }],
  ['stride 2, same', { strides: 2, padding: 'same', dilation: 1, groups: 1 }],
  ['stride 2, valid', { strides: 2, padding: 'valid', dilation: 1, groups: 1 }],
  ['explicit padding 1', { strides: 1, padding: 1, dilation: 1, groups: 1 }],
  ['explicit padding 1, stride 2', { strides: 2, padding: 1, dilation: 1, groups: 1 }],
  ['dilation 2, valid', { strides: 1, padding: 'valid', dilation: 2, groups: 1 }],
  ['dilation 2, same', { strides: 1, padding: 'same', dilation: 2, groups: 1 }],
  ['groups 2', { strides: 1, padding: 1, dilation: 1, groups: 2 }],
  ['groups 2, stride 2, same', { strides: 2, padding: 'same', dilation: 1, groups: 2 }],
];

const layerFor = (g: Geometry, extra: Partial<Conv2DConfig> = {}) =>
  new Conv2D({
    filters: 4,
    kernelSize: 3,
    strides: g.strides,
    padding: g.padding,
    dilationRate: g.dilation,
    groups: g.groups,
    kernelInitializer: uniform,
    biasInitializer: uniform,
    ...extra,
  });

describe('Conv2D', () => {
  it.each(cases)('matches a direct convolution: %s', async (_, g) => {
    const inShape = [2, 5, 6, g.groups === 2 ? 4 : 3];
    const layer = layerFor(g);
    const x = input(inShape);
    layer.apply(x).dispose(); // builds the weights, which would otherwise count as new tensors
    const y = await expectNoLeaks(() => layer.apply(x), 'Conv2D.apply');
    const kernel = layer.kernel;
    expect(kernel.shape).toEqual([3, 3, inShape[3]! / g.groups, 4]);
    expect(layer.weights.map((w) => w.name)).toEqual([`${layer.name}/kernel`, `${layer.name}/bias`]);
    const ref = referenceConv(
      x.dataSync(),
      inShape,
      kernel.dataSync(),
      kernel.shape,
      layer.bias!.dataSync(),
      g,
    );
    expect(y.shape).toEqual(ref.shape);
    expect(layer.computeOutputShape([[null, ...inShape.slice(1)]])).toEqual([null, ...ref.shape.slice(1)]);
    const got = y.dataSync();
    for (let i = 0; i < ref.data.length; i++) expect(got[i]).toBeCloseTo(ref.data[i]!, 4);
    tf.dispose([x, y]);
    layer.dispose();
  });

  it('applies its activation and can leave out the bias', () => {
    const g: Geometry = { strides: 1, padding: 'same', dilation: 1, groups: 1 };
    const layer = layerFor(g, { useBias: false, activation: 'relu' });
    const x = input([2, 5, 6, 3]);
    const y = layer.apply(x);
    expect(layer.weights).toHaveLength(1);
    const k = layer.kernel;
    const ref = referenceConv(x.dataSync(), x.shape, k.dataSync(), k.shape, null, g);
    const got = y.dataSync();
    expect(ref.data.some((v) => v < 0)).toBe(true);
    for (let i = 0; i < ref.data.length; i++) expect(got[i]).toBeCloseTo(Math.max(0, ref.data[i]!), 4);
    tf.dispose([x, y]);
    layer.dispose();
  });

  it.each([cases[2]!, cases[5]!, cases[6]!, cases[9]!])('passes the gradient check: %s', (_, g) => {
    const layer = layerFor(g);
    const x = input([2, 5, 6, g.groups === 2 ? 4 : 3], 2);
    const { maxRelativeError, entries } = gradientCheck(layer, [x], { samples: 10 });
    expect(entries.map((e) => e.name)).toEqual(['input 0', `${layer.name}/kernel`, `${layer.name}/bias`]);
    expect(maxRelativeError).toBeLessThan(1e-2);
    x.dispose();
    layer.dispose();
  });

  it('shows the (W − F + 2P)/S + 1 arithmetic when the window does not fit', () => {
    const layer = new Conv2D({ filters: 2, kernelSize: 5, strides: 2, padding: 1 });
    expect(() => layer.computeOutputShape([[null, 2, 8, 3]])).toThrow(ShapeError);
    expect(() => layer.computeOutputShape([[null, 2, 8, 3]])).toThrow(
      `${layer.name}: the height of its input, 2, is too small: (W − F + 2P)/S + 1 = (2 − 5 + 2·1)/2 + 1 = 0.5 < 1`,
    );
    const dilated = new Conv2D({ filters: 2, kernelSize: 3, dilationRate: 3 });
    expect(() => dilated.computeOutputShape([[null, 9, 6, 3]])).toThrow(
      /\(6 − 7 \(a 3-wide window dilated by 3\) \+ 2·0\)\/1/,
    );
  });

  it('says why groups do not fit', () => {
    const layer = new Conv2D({ filters: 4, kernelSize: 3, groups: 2 });
    expect(() => layer.apply(tf.zeros([1, 5, 6, 3]))).toThrow(
      `${layer.name}: its 3 input channels do not divide into 2 groups: 3 / 2 is not an integer`,
    );
    expect(layer.built).toBe(false);
    expect(() => new Conv2D({ filters: 5, kernelSize: 3, groups: 2, name: 'towers' })).toThrow(
      'towers: filters (5) must divide into 2 groups: 5 / 2 is not an integer',
    );
  });

  it('rejects bad options and inputs', () => {
    expect(() => new Conv2D({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2, name: 'c' })).toThrow(
      'c: strides [2,2] and dilationRate [2,2] cannot both exceed 1',
    );
    expect(() => new Conv2D({ filters: 0, kernelSize: 3 })).toThrow(LayerError);
    expect(() => new Conv2D({ filters: 2, kernelSize: [3, 0] })).toThrow(
      /kernelSize must be positive integers/,
    );
    expect(() => new Conv2D({ filters: 2, kernelSize: 3, padding: -1 })).toThrow(
      /padding must be non-negative/,
    );
    const built = new Conv2D({ filters: 2, kernelSize: 3, name: 'b' });
    built.apply(tf.zeros([1, 4, 4, 3])).dispose();
    expect(() => built.apply(tf.zeros([1, 4, 4, 2]))).toThrow('b: was built for 3 input channels, got 2');
    built.dispose();
    const layer = new Conv2D({ filters: 2, kernelSize: 3, name: 'flat' });
    expect(() => layer.computeOutputShape([[null, 10]])).toThrow(
      'flat: expects NHWC images [batch, height, width, channels] (rank 4), got [null, 10]',
    );
  });

  it('reports its Keras config', () => {
    const layer = new Conv2D({ filters: 8, kernelSize: [3, 5], padding: [1, 2], name: 'c1' });
    expect(layer.getConfig()).toEqual({
      name: 'c1',
      trainable: true,
      filters: 8,
      kernelSize: [3, 5],
      strides: [1, 1],
      padding: [1, 2],
      dilationRate: [1, 1],
      groups: 1,
      activation: 'linear',
      useBias: true,
      kernelInitializer: 'glorotUniform',
      biasInitializer: 'zeros',
      kernelRegularizer: null,
      biasRegularizer: null,
    });
    expect(layer.computeOutputShape([[null, 7, 7, 3]])).toEqual([null, 7, 7, 8]);
  });
});
