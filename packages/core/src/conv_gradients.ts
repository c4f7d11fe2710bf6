import * as tf from '@tensorflow/tfjs-core';
import { isHeapBackend } from './heap';
import { im2colFilterGradient, suitsIm2col } from './im2col';

/**
 * Gradients of 2-D convolutions built from forward convolutions, which every backend has and runs fast:
 * the filter gradient is a convolution of the input with the output gradient (batch and channel axes
 * swapped), the input gradient a convolution of the zero-dilated output gradient with the flipped filter.
 * They cover what tfjs lacks — wasm has no Conv2DBackpropFilter and no depthwise backprops, and no backend
 * differentiates a dilated conv2d — and replace the native kernels they outrun (see `kernels.ts`).
 */

type Pair = [number, number];
/** tfjs' padding: a mode, one number for every side, or NHWC pairs `[[0, 0], [top, bottom], [left, right], [0, 0]]`. */
export type Padding = 'valid' | 'same' | number | [[number, number], Pair, Pair, [number, number]];

/** A convolution's geometry as tfjs' conv ops take it. */
export interface ConvGeometry {
  readonly strides: number | Pair;
  readonly pad: Padding;
  readonly dilations?: number | Pair;
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export type Shape4 = [number, number, number, number];
type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

function convInfo(xShape: Shape4, filterShape: Shape4, g: ConvGeometry, depthwise: boolean): ConvInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    g.strides,
    g.dilations ?? 1,
    g.pad as 'valid',
    g.dimRoundingMode,
    depthwise,
  );
}

/** The geometry in a conv kernel's or gradient's attributes. */
export const geometry = (attrs: Record<string, unknown>): ConvGeometry => ({
  strides: attrs.strides as number,
  pad: attrs.pad as Padding,
  dilations: (attrs.dilations as number | undefined) ?? 1,
  dimRoundingMode: attrs.dimRoundingMode as ConvGeometry['dimRoundingMode'],
});

/** NCHW tensors into and out of the NHWC maths here (tfjs' conv ops take both layouts). */
export const toNhwc = (t: tf.Tensor4D, format: unknown): tf.Tensor4D =>
  format === 'NCHW' ? tf.transpose(t, [0, 2, 3, 1]) : t;
export const fromNhwc = (t: tf.Tensor4D, format: unknown): tf.Tensor4D =>
  format === 'NCHW' ? tf.transpose(t, [0, 3, 1, 2]) : t;
export const shapeToNhwc = (s: Shape4, format: unknown): Shape4 =>
  format === 'NCHW' ? [s[0], s[2], s[3], s[1]] : s;

/** Rows (or columns) of input that the windows span: (out − 1)·s + (f − 1)·d + 1. */
const span = (out: number, stride: number, filter: number, dilation: number) =>
  (out - 1) * stride + (filter - 1) * dilation + 1;

/**
 * Explicit conv padding for the given margins; a negative margin becomes a crop (tfjs pads only outward).
 */
function margins(
  x: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
): [tf.Tensor4D, Padding] {
  const crop = [Math.max(0, -top), Math.max(0, -bottom), Math.max(0, -left), Math.max(0, -right)] as const;
  const [, h, w] = x.shape;
  const cropped = crop.some((c) => c > 0)
    ? tf.slice(x, [0, crop[0], crop[2], 0], [-1, h - crop[0] - crop[1], w - crop[2] - crop[3], -1])
    : x;
  const pad = (v: number) => Math.max(0, v);
  return [
    cropped,
    [
      [0, 0],
      [pad(top), pad(bottom)],
      [pad(left), pad(right)],
      [0, 0],
    ],
  ];
}

/** Puts s − 1 zeros after every row and column: a strided output gradient at the input's resolution. */
function dilate(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [b, h, w, c] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [b, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  return tf.reshape(spread, [b, h * sh, w * sw, c]);
}

/** The input of a filter-gradient convolution: x with the forward pass's margins, exactly spanning the windows. */
function windowed(x: tf.Tensor4D, c: ConvInfo): [tf.Tensor4D, Padding] {
  const { top, left } = c.padInfo;
  const h = span(c.outHeight, c.strideHeight, c.filterHeight, c.dilationHeight);
  const w = span(c.outWidth, c.strideWidth, c.filterWidth, c.dilationWidth);
  return margins(x, top, h - c.inHeight - top, left, w - c.inWidth - left);
}

/** The output gradient dilated and padded so that a stride-1 convolution with the flipped filter gives dx. */
function spread(dy: tf.Tensor4D, c: ConvInfo): [tf.Tensor4D, Padding] {
  const dyd = dilate(dy, c.strideHeight, c.strideWidth);
  const top = (c.filterHeight - 1) * c.dilationHeight - c.padInfo.top;
  const left = (c.filterWidth - 1) * c.dilationWidth - c.padInfo.left;
  const bottom = c.inHeight + (c.filterHeight - 1) * c.dilationHeight - top - dyd.shape[1];
  const right = c.inWidth + (c.filterWidth - 1) * c.dilationWidth - left - dyd.shape[2];
  return margins(dyd, top, bottom, left, right);
}

/** dL/dfilter of `conv2d(x, filter)` (NHWC, HWIO filter) given dL/dy, by one forward convolution. */
export function conv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: Shape4,
  g: ConvGeometry,
): tf.Tensor4D {
  const c = convInfo(x.shape, filterShape, g, false);
  const backend = tf.backend();
  if (isHeapBackend(backend) && x.dtype === 'float32' && suitsIm2col(c)) {
    return im2colFilterGradient(x, dy, c, backend); // few taps a window: one product is faster (`im2col.ts`)
  }
  return tf.tidy(() => {
    const [xw, pad] = windowed(x, c);
    const xt = tf.transpose(xw, [3, 1, 2, 0]); // [inC, H, W, batch]: the batch is the summed axis
    const dyt = tf.transpose(dy, [1, 2, 0, 3]); // [outH, outW, batch, outC]: dy plays the filter
    const strides: Pair = [c.dilationHeight, c.dilationWidth];
    const dilations: Pair = [c.strideHeight, c.strideWidth];
    const dw = tf.conv2d(xt, dyt as tf.Tensor4D, strides, pad as 'valid', 'NHWC', dilations);
    return tf.transpose(dw, [1, 2, 0, 3]); // [fh, fw, inC, outC]
  });
}

/** dL/dx of `conv2d(x, filter)` given dL/dy, by one forward convolution with the flipped filter. */
export function conv2dInputGradient(
  xShape: Shape4,
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  g: ConvGeometry,
): tf.Tensor4D {
  const c = convInfo(xShape, filter.shape, g, false);
  return tf.tidy(() => {
    const [d, pad] = spread(dy, c);
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [fh, fw, out, in]
    return tf.conv2d(d, flipped, 1, pad as 'valid', 'NHWC', [c.dilationHeight, c.dilationWidth]);
  });
}

/** dL/dfilter of `depthwiseConv2d(x, filter)` (filter [fh, fw, C, M]): one depthwise conv over batch × channel. */
export function depthwiseFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: Shape4,
  g: ConvGeometry,
): tf.Tensor4D {
  const c = convInfo(x.shape, filterShape, g, true);
  const [b, , , channels] = x.shape;
  const [fh, fw, , m] = filterShape;
  return tf.tidy(() => {
    const [xw, pad] = windowed(x, c);
    const [, h, w] = xw.shape;
    // Channel (b, c) of z meets filter (b, c) of f, made of dy's M outputs for channel c of example b.
    const z = tf.reshape(tf.transpose(xw, [1, 2, 0, 3]), [1, h, w, b * channels]) as tf.Tensor4D;
    const perExample = tf.reshape(dy, [b, c.outHeight, c.outWidth, channels, m]);
    const f = tf.reshape(tf.transpose(perExample, [1, 2, 0, 3, 4]), [
      c.outHeight,
      c.outWidth,
      b * channels,
      m,
    ]);
    const strides: Pair = [c.dilationHeight, c.dilationWidth];
    const r = tf.depthwiseConv2d(z, f as tf.Tensor4D, strides, pad as 'valid', 'NHWC', [
      c.strideHeight,
      c.strideWidth,
    ]);
    return tf.sum(tf.reshape(r, [fh, fw, b, channels, m]), 2) as tf.Tensor4D;
  });
}

/** dL/dx of `depthwiseConv2d(x, filter)` given dL/dy: a depthwise conv with the flipped filter. */
export function depthwiseInputGradient(
  xShape: Shape4,
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  g: ConvGeometry,
): tf.Tensor4D {
  const c = convInfo(xShape, filter.shape, g, true);
  const [b, h, w, channels] = xShape;
  const [fh, fw, , m] = filter.shape;
  return tf.tidy(() => {
    const [d, pad] = spread(dy, c);
    const flipped = tf.reshape(tf.reverse(filter, [0, 1]), [fh, fw, channels * m, 1]) as tf.Tensor4D;
    const r = tf.depthwiseConv2d(d, flipped, 1, pad as 'valid', 'NHWC', [c.dilationHeight, c.dilationWidth]);
    return m === 1 ? r : (tf.sum(tf.reshape(r, [b, h, w, channels, m]), 4) as tf.Tensor4D);
  });
}
