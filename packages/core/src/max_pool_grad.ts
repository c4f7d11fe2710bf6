import * as tf from '@tensorflow/tfjs-core';
import { isHeapBackend } from './heap';
import { tiles2x2Simd } from './max_pool_grad_simd';

/**
 * MaxPoolGrad for backends that keep tensors in one typed heap (wasm), written as a JavaScript loop over
 * that heap. No composition of kernels beats wasm's own MaxPoolGrad (its elementwise comparisons and
 * strided slices cost more than the whole kernel), but a JIT-compiled loop does: 21 ms against 72 ms on
 * 64 × 28 × 28 × 32 in general, 13 ms for 2 × 2 windows that tile the input (the common pooling layer).
 *
 * It also gives the gradient TensorFlow and tfjs' cpu backend define, where wasm's kernel does not: each
 * window's gradient goes to its first maximum, in row-major window order. wasm's kernel starts its search
 * from the smallest positive float instead of −∞, so a window whose maximum is ≤ 0 loses its gradient
 * (the tensor's first window sends it to its first value), and ties go to the last maximum.
 */

/**
 * The MaxPoolGrad kernel (inputs `dy`, `input`, `output`; attributes `filterSize`, `strides`, `pad`,
 * `dimRoundingMode`) on a heap backend (`heap.ts`); other dtypes and backends go to `original`.
 */
export function maxPoolGradOnHeap(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs = {} } = args;
    const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    if (!isHeapBackend(backend) || input.dtype !== 'float32' || dy.dtype !== 'float32') return original(args);
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      attrs.filterSize as number,
      attrs.strides as number,
      1,
      attrs.pad as 'valid',
      attrs.dimRoundingMode as 'floor' | undefined,
    );
    // Allocate first: a heap that grows detaches the views taken before.
    const out = backend.makeOutput(input.shape, 'float32');
    const views = [input, dy, out].map((t) => backend.typedArrayFromHeap(t) as Float32Array) as Views;
    if (!isTiledBy2x2(info)) accumulate(views, info);
    else if (!tiles2x2Simd(backend, views, info.batchSize * info.outHeight, info.outWidth, info.inChannels)) {
      tiles2x2(views, info);
    }
    return out;
  };
}

/** The input, the output gradient and the input gradient, as views of the heap. */
type Views = [x: Float32Array, dy: Float32Array, dx: Float32Array];

/** 2 × 2 windows at stride 2 that tile the input exactly (the common pooling layer). */
const isTiledBy2x2 = (c: tf.backend_util.Conv2DInfo) =>
  c.filterHeight === 2 &&
  c.filterWidth === 2 &&
  c.strideHeight === 2 &&
  c.strideWidth === 2 &&
  c.padInfo.top === 0 &&
  c.padInfo.left === 0 &&
  2 * c.outHeight === c.inHeight &&
  2 * c.outWidth === c.inWidth;

/**
 * {@link accumulate} for windows that tile the input: each input value lies in one window, so each is
 * written once, in order, with no clearing pass and no read-modify-write (13 ms against 19 ms on
 * 64 × 28 × 28 × 32).
 */
function tiles2x2([x, dy, dx]: Views, c: tf.backend_util.Conv2DInfo): void {
  const { batchSize, outHeight, outWidth, inChannels: channels } = c;
  const row = c.inWidth * channels;
  let o = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const top = (b * c.inHeight + 2 * oy) * row;
      for (let ox = 0; ox < outWidth; ox++, o += channels) {
        const p0 = top + 2 * ox * channels;
        const p1 = p0 + channels;
        const p2 = p0 + row;
        const p3 = p2 + channels;
        for (let ch = 0; ch < channels; ch++) {
          // First maximum in row-major window order; a window of NaNs has none. Unrolled: this loop is
          // the kernel's whole cost.
          let best = Number.NEGATIVE_INFINITY;
          let k = -1;
          if (x[p0 + ch]! > best) {
            best = x[p0 + ch]!;
            k = 0;
          }
          if (x[p1 + ch]! > best) {
            best = x[p1 + ch]!;
            k = 1;
          }
          if (x[p2 + ch]! > best) {
            best = x[p2 + ch]!;
            k = 2;
          }
          if (x[p3 + ch]! > best) k = 3;
          const g = dy[o + ch]!;
          dx[p0 + ch] = k === 0 ? g : 0;
          dx[p1 + ch] = k === 1 ? g : 0;
          dx[p2 + ch] = k === 2 ? g : 0;
          dx[p3 + ch] = k === 3 ? g : 0;
        }
      }
    }
  }
}

/**
 * Adds each window's output gradient to the input position of its first maximum (−∞ start, padding
 * skipped): a window whose values are all NaN passes nothing, as on the cpu backend. All channels of a
 * window position are scanned together, so the reads run along memory.
 */
function accumulate([x, dy, dx]: Views, c: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = c;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = c;
  const { effectiveFilterHeight, effectiveFilterWidth } = c;
  const { top, left } = c.padInfo;
  dx.fill(0);
  const best = new Float32Array(channels);
  const where = new Int32Array(channels);
  let o = 0;
  for (let b = 0; b < batchSize; b++) {
    const image = b * inHeight * inWidth * channels;
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * strideHeight - top;
      for (let ox = 0; ox < outWidth; ox++, o += channels) {
        const x0 = ox * strideWidth - left;
        best.fill(Number.NEGATIVE_INFINITY);
        where.fill(-1);
        for (let fy = 0; fy < effectiveFilterHeight; fy += dilationHeight) {
          const y = y0 + fy;
          if (y < 0 || y >= inHeight) continue;
          for (let fx = 0; fx < effectiveFilterWidth; fx += dilationWidth) {
            const xx = x0 + fx;
            if (xx < 0 || xx >= inWidth) continue;
            const base = image + (y * inWidth + xx) * channels;
            for (let ch = 0; ch < channels; ch++) {
              const v = x[base + ch]!;
              if (v > best[ch]!) {
                best[ch] = v;
                where[ch] = base + ch;
              }
            }
          }
        }
        for (let ch = 0; ch < channels; ch++) {
          const at = where[ch]!;
          if (at >= 0) dx[at]! += dy[o + ch]!;
        }
      }
    }
  }
}
