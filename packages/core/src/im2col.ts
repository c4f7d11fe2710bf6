import * as tf from '@tensorflow/tfjs-core';
import type { HeapBackend } from './heap';
import { addLongProduct } from './long_product';
import { i32, instantiateOn, op, type WasmFunction } from './wasm_asm';

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

// (source, target addresses; rows; values a row; source step between values; source and target row strides:
// bytes) and the running cursors of a row.
const [SRC, DST, ROWS, COUNT, STEP, SROW, DROW, S, D, J] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

/** Copies `ROWS` rows of `COUNT` values, each read `STEP` bytes apart: one filter tap's view of one image. */
const COPY_ROWS: WasmFunction = {
  params: Array(7).fill(i32),
  locals: [i32, i32, i32],
  body: [
    op.loop,
    ...[op.get(SRC), op.set(S), op.get(DST), op.set(D), op.get(COUNT), op.set(J)],
    op.loop,
    ...[op.get(D), op.get(S), op.f32Load(), op.f32Store()],
    ...[op.get(S), op.get(STEP), op.i32Add, op.set(S), op.get(D), op.i32(4), op.i32Add, op.set(D)],
    ...[op.get(J), op.i32(1), op.i32Sub, op.tee(J), op.brIf(0), op.end],
    ...[op.get(SRC), op.get(SROW), op.i32Add, op.set(SRC), op.get(DST), op.get(DROW), op.i32Add, op.set(DST)],
    ...[op.get(ROWS), op.i32(1), op.i32Sub, op.tee(ROWS), op.brIf(0), op.end],
  ],
};
type Exports = { copyRows(...args: number[]): void };
const FUNCTIONS = { copyRows: COPY_ROWS };

/** The first index i ≥ 0 with i · step + offset ≥ 0, and the end of those with i · step + offset < size. */
const inside = (offset: number, step: number, size: number, count: number): [number, number] => {
  const lo = Math.min(count, Math.max(0, Math.ceil(-offset / step)));
  return [lo, Math.max(lo, Math.min(count, Math.ceil((size - offset) / step)))];
};

/**
 * Writes Pᵀ [taps, positions] of x into `dst` (zeroed): row (ky, kx, k) holds, for every output position,
 * the input value tap (ky, kx) of channel k sees there. WebAssembly copies where the engine has it (the
 * JavaScript loop costs ~5 ns a value here, 5–8 ms for MNIST conv1), else JavaScript.
 */
function im2col(backend: HeapBackend, src: Float32Array, dst: Float32Array, c: ConvInfo): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ch, outHeight: oh, outWidth: ow } = c;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = c;
  const { top, left } = c.padInfo;
  const wasm = instantiateOn<Exports>(backend, FUNCTIONS);
  const positions = n * oh * ow;
  for (let ky = 0, row = 0; ky < fh; ky++) {
    const y0 = ky * c.dilationHeight - top;
    const [oy0, oy1] = inside(y0, sh, h, oh);
    for (let kx = 0; kx < fw; kx++) {
      const x0 = kx * c.dilationWidth - left;
      const [ox0, ox1] = inside(x0, sw, w, ow);
      if (oy1 === oy0 || ox1 === ox0) {
        row += ch * positions; // the tap sees only padding: its rows stay zero
        continue;
      }
      for (let k = 0; k < ch; k++, row += positions) {
        for (let b = 0; b < n; b++) {
          // Output (oy0, ox0) of image b reads input (oy0·sh + y0, ox0·sw + x0).
          const from = ((b * h + oy0 * sh + y0) * w + ox0 * sw + x0) * ch + k;
          const to = row + (b * oh + oy0) * ow + ox0;
          const [rows, count, step, srcRow] = [oy1 - oy0, ox1 - ox0, sw * ch, sh * w * ch];
          if (wasm) {
            wasm.copyRows(
              src.byteOffset + 4 * from,
              dst.byteOffset + 4 * to,
              rows,
              count,
              4 * step,
              4 * srcRow,
              4 * ow,
            );
            continue;
          }
          for (let r = 0; r < rows; r++) {
            const [s, d] = [from + r * srcRow, to + r * ow];
            for (let i = 0; i < count; i++) dst[d + i] = src[s + i * step]!;
          }
        }
      }
    }
  }
}

/** dL/dfilter of an NHWC conv2d given dL/dy, through Pᵀ built on the heap of `backend`. */
export function im2colFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  c: ConvInfo,
  backend: HeapBackend,
): tf.Tensor4D {
  const { batchSize: n, inChannels: ch, outHeight: oh, outWidth: ow, outChannels: outC } = c;
  const { filterHeight: fh, filterWidth: fw } = c;
  const positions = n * oh * ow;
  const taps = fh * fw * ch;
  const info = backend.makeOutput([taps, positions], 'float32');
  const fused = outC % 4 === 0 ? backend.makeOutput([fh, fw, ch, outC], 'float32') : undefined;
  // Views after the allocations: a growing heap detaches earlier ones.
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  const patches = view(info);
  patches.fill(0);
  im2col(backend, view(x), patches, c);
  const [pt, out] = [info, fused].map((i) => i && (tf.engine().makeTensorFromTensorInfo(i) as tf.Tensor));
  if (out && addLongProduct(backend, patches, view(dy), view(fused!).fill(0), taps, positions, outC)) {
    pt!.dispose();
    return out as tf.Tensor4D;
  }
  out?.dispose();
  return tf.tidy(() => {
    const dw2 = tf.matMul(pt as tf.Tensor2D, tf.reshape(dy, [positions, outC]));
    pt!.dispose();
    return tf.reshape(dw2, [fh, fw, ch, outC]);
  });
}
