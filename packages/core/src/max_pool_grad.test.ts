import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { installKernels, nativeKernel } from './kernels';
import { expectNoLeaks } from './leak';
import { maxPoolGradOnHeap } from './max_pool_grad';
import { tiles2x2Simd } from './max_pool_grad_simd';
import { Rng } from './random';

// Runs on this file's backend (cpu or wasm: one vitest project each). On wasm, tf.grad of maxPool runs the
// replacement; the reference is TensorFlow's definition, which tfjs' cpu backend also follows.
const backend = tf.getBackend();

interface Case {
  name: string;
  x: [number, number, number, number];
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  /** Values drawn from a few integers, most windows holding ties; `negative`: all below zero; `nan`: some NaN. */
  values?: 'ties' | 'negative' | 'nan';
}

const CASES: Case[] = [
  { name: '2×2 stride 2 (the MNIST CNN)', x: [2, 8, 8, 3], filterSize: 2, strides: 2, pad: 'same' },
  { name: '2×2 stride 2, ties', x: [2, 6, 6, 4], filterSize: 2, strides: 2, pad: 'same', values: 'ties' },
  {
    name: '2×2 stride 2, all negative',
    x: [1, 4, 6, 4],
    filterSize: 2,
    strides: 2,
    pad: 'valid',
    values: 'negative',
  },
  { name: '2×2 stride 2, NaNs', x: [2, 4, 4, 3], filterSize: 2, strides: 2, pad: 'valid', values: 'nan' },
  // Channels in fours: the SIMD kernel on wasm.
  {
    name: '2×2 stride 2, NaNs, 8 channels',
    x: [2, 4, 6, 8],
    filterSize: 2,
    strides: 2,
    pad: 'valid',
    values: 'nan',
  },
  {
    name: '2×2 stride 2, ties, 12 channels',
    x: [1, 6, 4, 12],
    filterSize: 2,
    strides: 2,
    pad: 'same',
    values: 'ties',
  },
  { name: '3×3 stride 3, NaNs', x: [1, 6, 6, 2], filterSize: 3, strides: 3, pad: 'valid', values: 'nan' },
  { name: '2×2 stride 2, odd sizes, same', x: [2, 7, 5, 3], filterSize: 2, strides: 2, pad: 'same' },
  { name: '2×2 stride 2, odd sizes, valid', x: [1, 7, 7, 2], filterSize: 2, strides: 2, pad: 'valid' },
  {
    name: '3×3 stride 2, overlapping, ties',
    x: [2, 9, 9, 2],
    filterSize: 3,
    strides: 2,
    pad: 'same',
    values: 'ties',
  },
  { name: '3×3 stride 1, same', x: [1, 6, 5, 3], filterSize: 3, strides: 1, pad: 'same' },
  { name: '[3, 2] strides [1, 2]', x: [2, 7, 8, 2], filterSize: [3, 2], strides: [1, 2], pad: 'valid' },
  // Numeric padding only where it divides evenly: tfjs' MaxPool gradient drops dimRoundingMode.
  { name: 'numeric pad', x: [1, 9, 9, 2], filterSize: 3, strides: 2, pad: 1 },
];

function input(c: Case, rng: Rng): tf.Tensor4D {
  const x = rng.randomNormal(c.x) as tf.Tensor4D;
  if (c.values === undefined) return x;
  // NaN where x > 0.3: a third of the values, some windows all NaN.
  const nan = () => tf.where(tf.greater(x, 0.3), tf.fill(x.shape, Number.NaN), x);
  const shifted =
    c.values === 'ties' ? tf.round(tf.mul(x, 1.5)) : c.values === 'nan' ? nan() : tf.sub(tf.abs(x), 5);
  x.dispose();
  return shifted as tf.Tensor4D;
}

/** dL/dx in float64: each window's dy goes to the first maximum in row-major window order. */
function reference(c: Case, x: Float32Array, dy: Float32Array): Float64Array {
  const info = tf.backend_util.computePool2DInfo(c.x, c.filterSize, c.strides, 1, c.pad);
  const [batch, height, width, channels] = c.x;
  const dx = new Float64Array(x.length);
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < info.outHeight; oy++) {
      for (let ox = 0; ox < info.outWidth; ox++) {
        for (let ch = 0; ch < channels; ch++, o++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let i = 0; i < info.filterHeight; i++) {
            for (let j = 0; j < info.filterWidth; j++) {
              const y = oy * info.strideHeight + i - info.padInfo.top;
              const xx = ox * info.strideWidth + j - info.padInfo.left;
              if (y < 0 || y >= height || xx < 0 || xx >= width) continue;
              const k = ((b * height + y) * width + xx) * channels + ch;
              if (x[k]! > best) [best, at] = [x[k]!, k];
            }
          }
          if (at >= 0) dx[at]! += dy[o]!;
        }
      }
    }
  }
  return dx;
}

describe(`MaxPoolGrad on ${backend}`, () => {
  it.each(CASES)('tf.grad of maxPool matches the reference: $name', async (c) => {
    const rng = new Rng(21);
    const x = input(c, rng);
    const pool = (t: tf.Tensor4D) => tf.maxPool(t, c.filterSize, c.strides, c.pad);
    const y = pool(x);
    const r = rng.randomNormal(y.shape);
    const expected = reference(c, x.dataSync() as Float32Array, r.dataSync() as Float32Array);
    const dx = await expectNoLeaks(() =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t as tf.Tensor4D), r)))(x),
    );
    const attrs = { filterSize: c.filterSize, strides: c.strides, pad: c.pad };
    // The replacement around the backend's own kernel, called directly (on cpu it defers to that kernel).
    const kernel = maxPoolGradOnHeap(nativeKernel('MaxPoolGrad', backend)!.kernelFunc);
    const direct = tf
      .engine()
      .makeTensorFromTensorInfo(
        kernel({ inputs: { dy: r, input: x, output: y }, backend: tf.backend(), attrs }) as tf.TensorInfo,
      );
    for (const t of [dx, direct]) {
      expect(t.shape).toEqual(c.x);
      expect(Array.from(t.dataSync())).toEqual(Array.from(expected).map((v) => expect.closeTo(v, 5)));
    }
    tf.dispose([x, y, r, dx, direct]);
  });

  it.runIf(backend === 'wasm')('runs 2×2 windows over channels in fours in SIMD on wasm', () => {
    const [x, dy, dx] = [
      tf.ones([1, 2, 2, 4]),
      tf.tensor4d([1, 2, 3, 4], [1, 1, 1, 4]),
      tf.zeros([1, 2, 2, 4]),
    ];
    const heap = tf.backend() as unknown as { typedArrayFromHeap(t: tf.Tensor): Float32Array };
    const views = [x, dy, dx].map((t) => heap.typedArrayFromHeap(t)) as [
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    expect(tiles2x2Simd(tf.backend(), views, 1, 1, 4)).toBe(true);
    // Ties: the first of the window's four values takes the gradient.
    expect(Array.from(views[2])).toEqual([1, 2, 3, 4, ...new Array(12).fill(0)]);
    expect(tiles2x2Simd(tf.backend(), views, 1, 1, 3)).toBe(false);
    tf.dispose([x, dy, dx]);
  });

  it.runIf(backend === 'wasm')('replaces the native kernel on wasm', () => {
    expect(installKernels(backend).replaced).toContain('MaxPoolGrad');
    expect(tf.getKernel('MaxPoolGrad', backend)).not.toBe(nativeKernel('MaxPoolGrad', backend));
  });
});
