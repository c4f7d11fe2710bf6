import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { installKernels, nativeKernel } from './kernels';
import { expectNoLeaks } from './leak';
import { Rng } from './random';
import { sumLeadingAxes } from './sum_kernel';

// Runs on this file's backend (cpu or wasm: one vitest project each); on wasm tf.sum runs the replacement
// for leading axes and wasm's own kernel otherwise.
const backend = tf.getBackend();

/** Σ of x over `axes` in float64, by index arithmetic. */
function reference(x: Float32Array, shape: number[], axes: number[]): Float64Array {
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const out = new Float64Array(kept.reduce((p, i) => p * shape[i]!, 1));
  const index = shape.map(() => 0);
  for (let flat = 0; flat < x.length; flat++) {
    let o = 0;
    for (const i of kept) o = o * shape[i]! + index[i]!;
    out[o]! += x[flat]!;
    for (let d = shape.length - 1; d >= 0 && ++index[d]! === shape[d]; d--) index[d] = 0;
  }
  return out;
}

const CASES: { axis: number | number[]; keepDims?: boolean; shape: number[] }[] = [
  { shape: [6, 5, 4, 3], axis: [0, 1, 2] },
  { shape: [6, 5, 4, 3], axis: [0, 1, 2], keepDims: true },
  { shape: [7, 9], axis: 0 },
  { shape: [2, 3, 4], axis: [1, 0] },
  { shape: [2, 3, 4], axis: [-3, -2] },
  // Widths in fours over several chunks of rows: the SIMD loop on wasm.
  { shape: [300, 3, 8], axis: [0, 1] },
  { shape: [4, 10, 10, 32], axis: [0, 1, 2] },
  // Not leading axes, or all of them: wasm's own kernel.
  { shape: [2, 3, 4], axis: [1] },
  { shape: [2, 3, 4], axis: [0, 2] },
  { shape: [2, 3, 4], axis: [0, 1, 2] },
];

describe(`Sum on ${backend}`, () => {
  it.each(CASES)('matches the float64 reference: $shape over $axis', async ({ shape, axis, keepDims }) => {
    const x = new Rng(31).randomNormal(shape);
    const axes = tf.util.parseAxisParam(axis, shape);
    const expected = reference(x.dataSync() as Float32Array, shape, axes);
    const viaEngine = await expectNoLeaks(() => tf.sum(x, axis, keepDims));
    const kernel = sumLeadingAxes(nativeKernel('Sum', backend)!.kernelFunc);
    const info = kernel({
      inputs: { x },
      backend: tf.backend(),
      attrs: { axis, keepDims: keepDims ?? false },
    });
    const direct = tf.engine().makeTensorFromTensorInfo(info as tf.TensorInfo);
    const shapeOut = shape.flatMap((d, i) => (axes.includes(i) ? (keepDims ? [1] : []) : [d]));
    for (const t of [viaEngine, direct]) {
      expect(t.shape).toEqual(shapeOut);
      expect(Array.from(t.dataSync())).toEqual(Array.from(expected).map((v) => expect.closeTo(v, 4)));
    }
    tf.dispose([x, viaEngine, direct]);
  });

  it('sums int32 tensors as before', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
    const s = tf.sum(x, 0);
    expect(s.dtype).toBe('int32');
    expect(Array.from(s.dataSync())).toEqual([9, 12]);
    tf.dispose([x, s]);
  });

  it('gives the gradient of a bias added over batch and pixels', () => {
    const rng = new Rng(32);
    const [x, b, r] = [rng.randomNormal([4, 5, 5, 3]), rng.randomNormal([3]), rng.randomNormal([4, 5, 5, 3])];
    const db = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.add(x, t), r)))(b);
    const expected = reference(r.dataSync() as Float32Array, [4, 5, 5, 3], [0, 1, 2]);
    expect(Array.from(db.dataSync())).toEqual(Array.from(expected).map((v) => expect.closeTo(v, 4)));
    tf.dispose([x, b, r, db]);
  });

  it.runIf(backend === 'wasm')('replaces the native kernel on wasm', () => {
    expect(installKernels(backend).replaced).toContain('Sum');
  });
});
