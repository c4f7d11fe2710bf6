import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { installKernels, nativeKernel } from './kernels';
import { expectNoLeaks } from './leak';
import { simplifyPermutation, transposeOnHeap } from './transpose_kernel';

// Runs on this file's backend (cpu or wasm: one vitest project each); on wasm tf.transpose runs the
// replacement, here also called directly around the backend's own kernel.
const backend = tf.getBackend();

/** x with its axes permuted, by index arithmetic. */
function reference(values: ArrayLike<number>, shape: number[], perm: number[]): number[] {
  const outShape = perm.map((axis) => shape[axis]!);
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((p, n) => p * n, 1));
  const out = new Array<number>(values.length);
  const index = outShape.map(() => 0);
  for (let flat = 0; flat < values.length; flat++) {
    out[flat] = values[perm.reduce((from, axis, d) => from + index[d]! * strides[axis]!, 0)]!;
    for (let d = outShape.length - 1; d >= 0 && ++index[d]! === outShape[d]; d--) index[d] = 0;
  }
  return out;
}

const CASES: { shape: number[]; perm: number[]; dtype?: 'int32' | 'bool' }[] = [
  { shape: [12, 8], perm: [1, 0] }, // whole SIMD blocks
  { shape: [13, 10], perm: [1, 0] }, // fringes of rows and columns
  { shape: [3, 2], perm: [1, 0] }, // no whole block
  { shape: [1, 9], perm: [1, 0] },
  { shape: [4, 9, 6], perm: [0, 2, 1] }, // a batch of matrices
  { shape: [6, 5, 7], perm: [2, 1, 0] }, // first and last swapped
  { shape: [5, 3, 3, 8], perm: [3, 1, 2, 0] }, // a conv input turned for its filter gradient
  { shape: [5, 3, 3, 8], perm: [1, 2, 0, 3] }, // whole rows moved
  { shape: [2, 3, 4, 5], perm: [3, 0, 2, 1] }, // none of the forms: the backend's kernel
  { shape: [5, 1, 6], perm: [2, 1, 0] },
  { shape: [7, 5], perm: [1, 0], dtype: 'int32' },
  { shape: [3, 5], perm: [1, 0], dtype: 'bool' },
  { shape: [3, 5], perm: [0, 1] },
  { shape: [0, 4], perm: [1, 0] },
];

describe(`Transpose on ${backend}`, () => {
  it.each(CASES)('matches the definition: $shape by $perm ($dtype)', async ({ shape, perm, dtype }) => {
    const size = shape.reduce((p, d) => p * d, 1);
    // Special float32 values must come through bit for bit.
    const special = [Number.NaN, -0, Number.POSITIVE_INFINITY, 1e-45];
    const values = Array.from({ length: size }, (_, i) =>
      dtype === 'bool'
        ? i % 3 === 0
        : dtype === 'int32'
          ? i * 7919 - 2 ** 30
          : (special[i % 13] ?? i * 1.5 - 7),
    );
    const x = tf.tensor(values as number[], shape, dtype ?? 'float32');
    const expected = reference(x.dataSync() as unknown as number[], shape, perm);
    const viaEngine = await expectNoLeaks(() => tf.transpose(x, perm));
    const kernel = transposeOnHeap(nativeKernel('Transpose', backend)!.kernelFunc);
    const info = kernel({ inputs: { x }, backend: tf.backend(), attrs: { perm } }) as tf.TensorInfo;
    const direct = tf.engine().makeTensorFromTensorInfo(info);
    for (const t of [viaEngine, direct]) {
      expect(t.dtype).toBe(x.dtype);
      expect(t.shape).toEqual(perm.map((axis) => shape[axis]));
      expect(Array.from(t.dataSync())).toEqual(expected);
    }
    tf.dispose([x, viaEngine, direct]);
  });

  it('simplifies permutations: size-1 axes dropped, neighbours merged', () => {
    expect(simplifyPermutation([64, 14, 14, 32], [3, 1, 2, 0])).toEqual({
      shape: [64, 196, 32],
      perm: [2, 1, 0],
    });
    expect(simplifyPermutation([64, 14, 14, 64], [1, 2, 0, 3])).toEqual({
      shape: [64, 196, 64],
      perm: [1, 0, 2],
    });
    expect(simplifyPermutation([5, 1, 6], [2, 1, 0])).toEqual({ shape: [5, 6], perm: [1, 0] });
    expect(simplifyPermutation([2, 3, 4], [0, 1, 2])).toEqual({ shape: [24], perm: [0] });
    expect(simplifyPermutation([1, 1], [1, 0])).toEqual({ shape: [], perm: [] });
  });

  it.runIf(backend === 'wasm')('replaces the native kernel on wasm', () => {
    expect(installKernels(backend).replaced).toContain('Transpose');
  });
});
