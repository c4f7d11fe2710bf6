// The convolution gradient cases and their reference, shared by the Node suite (cpu, wasm) and the browser
// suite (webgl, wasm). The reference is the gradient's definition summed in float64 loops, independent of
// every backend and of tfjs' kernels; only the forward pass's padding comes from tfjs' own arithmetic.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import type { ConvGeometry, Shape4 } from '../src/conv_gradients';
import { Rng } from '../src/random';

export interface Case extends ConvGeometry {
  name: string;
  x: Shape4;
  filter: Shape4;
}

export const CONV: Case[] = [
  { name: 'stride 1, same', x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  {
    name: 'one channel, 5×5 same (MNIST conv1)',
    x: [2, 8, 9, 1],
    filter: [5, 5, 1, 3],
    strides: 1,
    pad: 'same',
  },
  // Few taps and output channels in fours: the SIMD product of `long_product.ts` on wasm (4 · 5 columns).
  {
    name: 'one channel, 5×5 same, 20 filters',
    x: [3, 9, 8, 1],
    filter: [5, 5, 1, 20],
    strides: 1,
    pad: 'same',
  },
  { name: 'stride 2, same, odd sizes', x: [2, 9, 11, 3], filter: [3, 3, 3, 5], strides: 2, pad: 'same' },
  {
    name: 'stride 2, valid, unused last row',
    x: [3, 8, 8, 1],
    filter: [3, 3, 1, 2],
    strides: 2,
    pad: 'valid',
  },
  {
    name: 'strides [2, 1], valid, even kernel',
    x: [2, 10, 9, 2],
    filter: [4, 2, 2, 3],
    strides: [2, 1],
    pad: 'valid',
  },
  { name: 'explicit padding', x: [2, 6, 7, 3], filter: [3, 3, 3, 2], strides: 2, pad: explicit(1, 2, 0, 3) },
  {
    name: 'padding wider than the kernel',
    x: [1, 5, 6, 2],
    filter: [2, 2, 2, 3],
    strides: 1,
    pad: explicit(4, 0, 0, 3),
  },
  {
    name: 'numeric pad, ceil rounding',
    x: [2, 8, 8, 2],
    filter: [3, 3, 2, 2],
    strides: 2,
    pad: 1,
    dimRoundingMode: 'ceil',
  },
  { name: '1×1, stride 2', x: [2, 7, 7, 5], filter: [1, 1, 5, 3], strides: 2, pad: 'same' },
  {
    name: 'MNIST conv2 channels (5×5, 32 → 64)',
    x: [2, 7, 7, 32],
    filter: [5, 5, 32, 64],
    strides: 1,
    pad: 'same',
  },
  { name: 'dilation 2, same', x: [2, 9, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same', dilations: 2 },
  {
    name: 'dilations [2, 3], valid',
    x: [1, 11, 12, 2],
    filter: [3, 3, 2, 3],
    strides: 1,
    pad: 'valid',
    dilations: [2, 3],
  },
  {
    name: 'dilation 2, explicit',
    x: [2, 8, 7, 3],
    filter: [2, 3, 3, 2],
    strides: 1,
    pad: explicit(2, 1, 3, 0),
    dilations: 2,
  },
];

export const DEPTHWISE: Case[] = [
  { name: 'multiplier 1, same', x: [2, 7, 7, 3], filter: [3, 3, 3, 1], strides: 1, pad: 'same' },
  { name: 'multiplier 2, stride 2, odd', x: [2, 9, 8, 3], filter: [3, 3, 3, 2], strides: 2, pad: 'same' },
  { name: 'multiplier 3, valid', x: [3, 8, 8, 2], filter: [4, 2, 2, 3], strides: [2, 1], pad: 'valid' },
  { name: 'explicit padding', x: [2, 6, 7, 4], filter: [3, 3, 4, 1], strides: 2, pad: explicit(1, 2, 0, 3) },
  {
    name: 'dilation 2, multiplier 2',
    x: [2, 9, 9, 3],
    filter: [3, 3, 3, 2],
    strides: 1,
    pad: 'same',
    dilations: 2,
  },
];

function explicit(top: number, bottom: number, left: number, right: number): ConvGeometry['pad'] {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

export const pair = (v: number | [number, number] | undefined): [number, number] =>
  v === undefined ? [1, 1] : typeof v === 'number' ? [v, v] : v;

export interface Grads {
  dx: Float64Array;
  df: Float64Array;
}

/**
 * dL/dx and dL/dfilter of L = Σ conv(x, f) ⊙ r by the definition: each output is Σ x[b, y·s + i·d − top,
 * …] · f[i, j, …], so each product sends r back to both factors.
 */
export function reference(
  c: Case,
  depthwise: boolean,
  x: tf.Tensor4D,
  f: tf.Tensor4D,
  r: tf.Tensor4D,
): Grads {
  const info = convInfo(c, depthwise);
  const [batch, height, width, inC] = c.x;
  const [fh, fw, , fOut] = c.filter;
  const outC = depthwise ? inC * fOut : fOut;
  const [xv, fv, rv] = [x.dataSync(), f.dataSync(), r.dataSync()];
  const dx = new Float64Array(xv.length);
  const df = new Float64Array(fv.length);
  const { outHeight, outWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        for (let i = 0; i < fh; i++) {
          const iy = oy * strideHeight + i * dilationHeight - info.padInfo.top;
          if (iy < 0 || iy >= height) continue;
          for (let j = 0; j < fw; j++) {
            const ix = ox * strideWidth + j * dilationWidth - info.padInfo.left;
            if (ix < 0 || ix >= width) continue;
            const xAt = ((b * height + iy) * width + ix) * inC;
            const rAt = ((b * outHeight + oy) * outWidth + ox) * outC;
            for (let o = 0; o < outC; o++) {
              const g = rv[rAt + o]!;
              // conv2d: every input channel feeds output o; depthwise: channel ⌊o / M⌋ alone, multiplier o mod M.
              const [from, to] = depthwise ? [Math.floor(o / fOut), Math.floor(o / fOut) + 1] : [0, inC];
              for (let ci = from; ci < to; ci++) {
                const fAt = ((i * fw + j) * inC + ci) * fOut + (depthwise ? o % fOut : o);
                dx[xAt + ci]! += g * fv[fAt]!;
                df[fAt]! += g * xv[xAt + ci]!;
              }
            }
          }
        }
      }
    }
  }
  return { dx, df };
}

export function expectClose(actual: tf.Tensor, expected: Float64Array, tolerance = 1e-4): void {
  const a = actual.dataSync();
  let scale = 0;
  let error = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]!));
    error = Math.max(error, Math.abs(a[i]! - expected[i]!));
  }
  expect(a.length).toBe(expected.length);
  expect(error / Math.max(scale, 1e-12)).toBeLessThan(tolerance);
}

/** tfjs' geometry of a case's forward pass: padding and output shape. */
function convInfo(c: Case, depthwise: boolean) {
  return tf.backend_util.computeConv2DInfo(
    c.x,
    c.filter,
    c.strides,
    c.dilations ?? 1,
    c.pad as 'same',
    c.dimRoundingMode,
    depthwise,
  );
}

/** Random x and filter, and a random cotangent r of the output's shape: L = Σ conv(x, f) ⊙ r. */
export function inputs(c: Case, depthwise: boolean, seed: number) {
  const rng = new Rng(seed);
  const x = rng.randomNormal(c.x) as tf.Tensor4D;
  const f = rng.randomNormal(c.filter) as tf.Tensor4D;
  const r = rng.randomNormal(convInfo(c, depthwise).outShape) as tf.Tensor4D;
  return { x, f, r };
}

/** `conv2d` or `depthwiseConv2d` with a case's geometry. */
export function convOf(c: Case, depthwise: boolean) {
  return (a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D =>
    depthwise
      ? tf.depthwiseConv2d(a, b, pair(c.strides), c.pad as 'same', 'NHWC', c.dilations, c.dimRoundingMode)
      : tf.conv2d(a, b, c.strides, c.pad as 'same', 'NHWC', c.dilations, c.dimRoundingMode);
}
