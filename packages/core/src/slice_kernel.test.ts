import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { installKernels, nativeKernel } from './kernels';
import { expectNoLeaks } from './leak';
import { sliceBlocks } from './slice_kernel';

// Runs on this file's backend (cpu or wasm: one vitest project each); on wasm tf.slice runs the
// replacement, here also called directly around the backend's own kernel.
const backend = tf.getBackend();

/** x[begin : begin + size] by index arithmetic. */
function reference(values: ArrayLike<number>, shape: number[], begin: number[], size: number[]): number[] {
  const out: number[] = [];
  const count = size.reduce((p, d) => p * d, 1);
  const index = size.map(() => 0);
  for (let k = 0; k < count; k++) {
    let from = 0;
    shape.forEach((n, d) => {
      from = from * n + begin[d]! + index[d]!;
    });
    out.push(values[from]!);
    for (let d = size.length - 1; d >= 0 && ++index[d]! === size[d]; d--) index[d] = 0;
  }
  return out;
}

const CASES: { shape: number[]; begin: number[]; size: number[]; dtype?: 'int32' | 'bool' }[] = [
  { shape: [10, 12], begin: [3, 4], size: [5, 2] },
  { shape: [10, 12], begin: [2, 0], size: [3, 12] },
  { shape: [10, 12], begin: [0, 0], size: [10, 12] },
  { shape: [4, 9, 8, 3], begin: [1, 2, 2, 0], size: [2, 5, 4, 3] },
  { shape: [4, 9, 8, 3], begin: [0, 0, 0, 1], size: [4, 9, 8, 2] },
  { shape: [4, 9, 8, 3], begin: [3, 0, 0, 0], size: [1, -1, -1, -1] },
  { shape: [7], begin: [2], size: [4] },
  { shape: [5, 6], begin: [1, 2], size: [0, 3] },
  { shape: [6, 5], begin: [1, 1], size: [3, 3], dtype: 'int32' },
  { shape: [3, 4], begin: [1, 0], size: [2, 2], dtype: 'bool' },
];

describe(`Slice on ${backend}`, () => {
  it.each(CASES)(
    'matches the definition: $shape from $begin size $size ($dtype)',
    async ({ shape, begin, size, dtype }) => {
      const count = shape.reduce((p, d) => p * d, 1);
      const values = Array.from({ length: count }, (_, i) => (dtype === 'bool' ? i % 3 === 0 : i * 1.5 - 7));
      const x = tf.tensor(values as number[], shape, dtype ?? 'float32');
      const full = size.map((d, i) => (d === -1 ? shape[i]! - begin[i]! : d));
      const expected = reference(x.dataSync() as unknown as number[], shape, begin, full);
      const viaEngine = await expectNoLeaks(() => tf.slice(x, begin, size));
      const kernel = sliceBlocks(nativeKernel('Slice', backend)!.kernelFunc);
      const info = kernel({ inputs: { x }, backend: tf.backend(), attrs: { begin, size } }) as tf.TensorInfo;
      const direct = tf.engine().makeTensorFromTensorInfo(info);
      for (const t of [viaEngine, direct]) {
        expect(t.dtype).toBe(x.dtype);
        expect(t.shape).toEqual(full);
        expect(Array.from(t.dataSync())).toEqual(expected);
      }
      tf.dispose([x, viaEngine, direct]);
    },
  );

  it('rejects a slice past the end, as tfjs does', () => {
    const x = tf.zeros([3, 4]);
    expect(() => tf.slice(x, [2, 0], [2, 4])).toThrow();
    x.dispose();
  });

  it.runIf(backend === 'wasm')('replaces the native kernel on wasm', () => {
    expect(installKernels(backend).replaced).toContain('Slice');
  });
});
