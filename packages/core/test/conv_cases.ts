// The convolution gradient cases and their reference, shared by the Node suite (cpu, wasm) and the browser
// suite (webgl, wasm): each case is checked against tfjs' own backprop kernels on cpu; a dilated conv through
// the equivalent undilated conv with a zero-expanded filter, which tfjs can differentiate.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { ready } from '../src/backend';
import type { ConvGeometry, Shape4 } from '../src/conv_gradients';
import { Rng } from '../src/random';

export interface Case extends ConvGeometry {
  name: string;
  x: Shape4;
  filter: Shape4;
}

export const CONV: Case[] = [
  { name: 'stride 1, same', x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
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

/** The filter with dilation − 1 zeros between taps: the same conv, undilated. */
function expand(filter: tf.Tensor4D, [dh, dw]: [number, number]): tf.Tensor4D {
  const [fh, fw, i, o] = filter.shape;
  const spread = tf.pad(tf.reshape(filter, [fh, 1, fw, 1, i, o]), [
    [0, 0],
    [0, dh - 1],
    [0, 0],
    [0, dw - 1],
    [0, 0],
    [0, 0],
  ]);
  return tf.slice(
    tf.reshape(spread, [fh * dh, fw * dw, i, o]) as tf.Tensor4D,
    [0, 0, 0, 0],
    [(fh - 1) * dh + 1, (fw - 1) * dw + 1, -1, -1],
  );
}

export interface Grads {
  dx: Float32Array;
  df: Float32Array;
}

const references = new Map<Case, Promise<Grads>>();

/** dL/dx and dL/dfilter of L = Σ conv(x, f) ⊙ r on cpu, from tfjs' backprop kernels (once per case). */
export function reference(
  c: Case,
  depthwise: boolean,
  x: tf.Tensor4D,
  f: tf.Tensor4D,
  r: tf.Tensor4D,
): Promise<Grads> {
  let grads = references.get(c);
  if (!grads) {
    grads = computeReference(c, depthwise, x, f, r);
    references.set(c, grads);
  }
  return grads;
}

async function computeReference(
  c: Case,
  depthwise: boolean,
  x: tf.Tensor4D,
  f: tf.Tensor4D,
  r: tf.Tensor4D,
): Promise<Grads> {
  const active = tf.getBackend();
  await ready({ backend: 'cpu' });
  const d = pair(c.dilations);
  const grads = tf.tidy(() => {
    const big = expand(f, d);
    const attrs = {
      strides: c.strides,
      pad: c.pad,
      dimRoundingMode: c.dimRoundingMode,
      dilations: 1,
      dataFormat: 'NHWC',
    } as tf.NamedAttrMap;
    const prefix = depthwise ? 'DepthwiseConv2dNativeBackprop' : 'Conv2DBackprop';
    const dx = tf
      .engine()
      .runKernel<tf.Tensor>(`${prefix}Input`, { dy: r, filter: big }, { ...attrs, inputShape: x.shape });
    const dbig = tf
      .engine()
      .runKernel<tf.Tensor>(`${prefix}Filter`, { x, dy: r }, { ...attrs, filterShape: big.shape });
    const df = tf.stridedSlice(dbig, [0, 0, 0, 0], dbig.shape, [d[0], d[1], 1, 1]);
    return { dx: dx.dataSync() as Float32Array, df: df.dataSync() as Float32Array };
  });
  await ready({ backend: active });
  return grads;
}

export function expectClose(actual: tf.Tensor, expected: Float32Array, tolerance = 1e-4): void {
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

export function inputs(c: Case, depthwise: boolean, seed: number) {
  const rng = new Rng(seed);
  const x = rng.randomNormal(c.x) as tf.Tensor4D;
  const f = rng.randomNormal(c.filter) as tf.Tensor4D;
  const y = depthwise
    ? tf.depthwiseConv2d(x, f, pair(c.strides), c.pad as 'same', 'NHWC', c.dilations, c.dimRoundingMode)
    : tf.conv2d(x, f, c.strides, c.pad as 'same', 'NHWC', c.dilations, c.dimRoundingMode);
  const r = rng.randomNormal(y.shape) as tf.Tensor4D; // a random cotangent: L = Σ y ⊙ r
  y.dispose();
  return { x, f, r };
}

/** `conv2d` or `depthwiseConv2d` with a case's geometry. */
export function convOf(c: Case, depthwise: boolean) {
  return (a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D =>
    depthwise
      ? tf.depthwiseConv2d(a, b, pair(c.strides), c.pad as 'same', 'NHWC', c.dilations, c.dimRoundingMode)
      : tf.conv2d(a, b, c.strides, c.pad as 'same', 'NHWC', c.dilations, c.dimRoundingMode);
}
