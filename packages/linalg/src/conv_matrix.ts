import * as tf from '@tensorflow/tfjs-core';
import { checkTensor, LinalgErrorFor } from './matrix';

export interface ConvMatrixOptions {
  /** Strides [sh, sw] or one number for both (default 1). */
  strides?: number | [number, number];
  /** tfjs' padding: `'valid'` (default), `'same'`, or explicit pixels on every side. */
  padding?: 'valid' | 'same' | number;
  /** Dilations [dh, dw] or one number (default 1). */
  dilations?: number | [number, number];
}

/**
 * The matrix of a 2-D convolution (seed 003, "convolution as matrix multiplication"): for a kernel
 * [kh, kw, cin, cout] and an input of shape [h, w, cin], the (outH·outW·cout) × (h·w·cin) matrix M with
 * M · vec(x) = vec(tf.conv2d(x, kernel, strides, padding)), vec flattening NHWC in row-major order. Each
 * row holds one output's kh·kw·cin weights; Mᵀ is the transposed convolution (the gradient with respect
 * to the input). Dense, so for small inputs: its size is the product of the two image sizes. The caller
 * disposes the result.
 *
 * @example
 * ```ts
 * const k = tf.ones([3, 3, 1, 1]);                              // a 3×3 box filter
 * const m = convMatrix(k, [5, 5, 1], { padding: 'same' });      // 25×25
 * tf.matMul(m, tf.reshape(x, [25, 1]));                         // == conv2d(x, k, 1, 'same') flattened
 * ```
 */
export function convMatrix(
  kernel: tf.Tensor,
  inputShape: readonly [number, number, number],
  options: ConvMatrixOptions = {},
): tf.Tensor2D {
  checkTensor('convMatrix', 'kernel', kernel, 4);
  if (kernel.rank !== 4) {
    throw LinalgErrorFor(
      'convMatrix',
      `kernel must be [kh, kw, cin, cout], got shape [${kernel.shape.join(', ')}]`,
    );
  }
  const [kh, kw, kin, cout] = kernel.shape as [number, number, number, number];
  const [h, w, cin] = inputShape;
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || cin !== kin) {
    throw LinalgErrorFor(
      'convMatrix',
      `inputShape must be [h, w, ${kin}] (the kernel's input channels), got ${JSON.stringify(inputShape)}`,
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    [1, h, w, cin],
    [kh, kw, cin, cout],
    options.strides ?? 1,
    options.dilations ?? 1,
    (options.padding ?? 'valid') as 'valid',
  );
  const { outHeight, outWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  const rows = outHeight * outWidth * cout;
  const cols = h * w * cin;
  const weights = kernel.dataSync();
  const m = new Float32Array(rows * cols);
  for (let oy = 0; oy < outHeight; oy++) {
    for (let ox = 0; ox < outWidth; ox++) {
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * strideHeight - top + ky * dilationHeight;
        if (iy < 0 || iy >= h) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * strideWidth - left + kx * dilationWidth;
          if (ix < 0 || ix >= w) continue;
          for (let ci = 0; ci < cin; ci++) {
            const col = (iy * w + ix) * cin + ci;
            for (let co = 0; co < cout; co++) {
              const row = (oy * outWidth + ox) * cout + co;
              m[row * cols + col] = m[row * cols + col]! + weights[((ky * kw + kx) * cin + ci) * cout + co]!;
            }
          }
        }
      }
    }
  }
  return tf.tensor2d(m, [rows, cols]);
}
