import * as tf from '@tensorflow/tfjs-core';
import type { HeapBackend } from './heap';

/**
 * The filter gradient of a convolution with few input values per window (a first layer: 5 × 5 × 1 on
 * MNIST, 3 × 3 × 3 on colour images) as one matrix product, dW = Pᵀ · dy, where the rows of Pᵀ (one per
 * filter tap and input channel) hold the input value each output position sees through that tap: im2col,
 * written straight into the transposed layout the product wants. The forward-convolution form
 * (`conv_gradients.ts`) hands XNNPACK a "filter" as large as dy and an output of a few positions, which it
 * runs slowly. Measured on wasm, batch 64, 2 threads (forward-convolution form → this): 5 × 5 × 1 on
 * 28 × 28 (MNIST conv1) 40 → 13 ms, 5 × 5 × 3 and 3 × 3 × 8 on 32 × 32 65 → 42 ms, 3 × 3 × 16 on 16 × 16
 * 25 → 24 ms. With more taps the forward-convolution form stays: im2col's copy of the input, in
 * JavaScript (~5 ns a value), costs what the product saves (5 × 5 × 32: 60 ms against 47 + ~45).
 */

/** Largest filter-tap count (kh · kw · inC) and Pᵀ size (values) sent this way. */
export const IM2COL_MAX_TAPS = 144;
export const IM2COL_MAX_VALUES = 1 << 24;

type ConvInfo = tf.backend_util.Conv2DInfo;

/** Whether {@link im2colFilterGradient} is the faster way for this convolution. */
export const suitsIm2col = (c: ConvInfo): boolean =>
  c.filterHeight * c.filterWidth * c.inChannels <= IM2COL_MAX_TAPS &&
  c.filterHeight * c.filterWidth * c.inChannels * c.batchSize * c.outHeight * c.outWidth <= IM2COL_MAX_VALUES;

/** dL/dfilter of an NHWC conv2d given dL/dy, through Pᵀ built on the heap of `backend`. */
export function im2colFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  c: ConvInfo,
  backend: HeapBackend,
): tf.Tensor4D {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ch, outHeight: oh, outWidth: ow } = c;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = c;
  const { dilationHeight: dh, dilationWidth: dw } = c;
  const { top, left } = c.padInfo;
  const positions = n * oh * ow;
  const info = backend.makeOutput([fh * fw * ch, positions], 'float32');
  // Views after the allocation: a growing heap detaches earlier ones.
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const dst = backend.typedArrayFromHeap(info) as Float32Array;
  let row = 0;
  for (let ky = 0; ky < fh; ky++) {
    for (let kx = 0; kx < fw; kx++) {
      // Output columns whose input column lies inside the image: [lo, hi).
      const x0 = kx * dw - left;
      const lo = Math.min(ow, Math.max(0, Math.ceil(-x0 / sw)));
      const hi = Math.max(lo, Math.min(ow, Math.ceil((w - x0) / sw)));
      for (let k = 0; k < ch; k++, row += positions) {
        let to = row;
        for (let b = 0; b < n; b++) {
          for (let oy = 0; oy < oh; oy++, to += ow) {
            const iy = oy * sh + ky * dh - top;
            if (iy < 0 || iy >= h) {
              dst.fill(0, to, to + ow);
              continue;
            }
            for (let ox = 0; ox < lo; ox++) dst[to + ox] = 0;
            for (let ox = hi; ox < ow; ox++) dst[to + ox] = 0;
            const from = ((b * h + iy) * w + x0) * ch + k;
            const step = sw * ch;
            for (let ox = lo; ox < hi; ox++) dst[to + ox] = src[from + ox * step]!;
          }
        }
      }
    }
  }
  const patches = tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor2D;
  return tf.tidy(() => {
    const dw2 = tf.matMul(patches, tf.reshape(dy, [positions, c.outChannels]));
    patches.dispose();
    return tf.reshape(dw2, [fh, fw, ch, c.outChannels]);
  });
}
