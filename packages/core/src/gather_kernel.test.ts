import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gatherBlocks } from './gather_kernel';
import { installKernels, nativeKernel } from './kernels';
import { expectNoLeaks } from './leak';

// Runs on this file's backend (cpu or wasm: one vitest project each); on wasm tf.gather runs the
// replacement, here also called directly around the backend's own kernel.
const backend = tf.getBackend();

/** x gathered along `axis` at `ids`, by index arithmetic. */
function reference(values: ArrayLike<number>, shape: number[], ids: number[], axis: number): number[] {
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const id of ids) {
      for (let i = 0; i < inner; i++) out.push(values[(o * shape[axis]! + id) * inner + i]!);
    }
  }
  return out;
}

const CASES: { shape: number[]; ids: number[]; axis: number; dtype?: 'int32' | 'bool' }[] = [
  { shape: [6, 4, 4, 1], ids: [5, 0, 0, 3], axis: 0 },
  { shape: [3, 5, 2], ids: [4, 1], axis: 1 },
  { shape: [3, 5, 2], ids: [1, 1, 0], axis: -1 },
  { shape: [7], ids: [], axis: 0 },
  { shape: [4, 3], ids: [3, 2], axis: 0, dtype: 'int32' },
  { shape: [2, 3], ids: [2, 0], axis: 1, dtype: 'bool' },
];

describe(`GatherV2 on ${backend}`, () => {
  it.each(CASES)(
    'matches the definition: $shape at $ids along $axis ($dtype)',
    async ({ shape, ids, axis, dtype }) => {
      const size = shape.reduce((p, d) => p * d, 1);
      const values = Array.from({ length: size }, (_, i) => (dtype === 'bool' ? i % 3 === 0 : i * 1.5 - 7));
      const x = tf.tensor(values as number[], shape, dtype ?? 'float32');
      const indices = tf.tensor1d(ids, 'int32');
      const positive = axis < 0 ? axis + shape.length : axis;
      const expected = reference(x.dataSync() as unknown as number[], shape, ids, positive);
      const outShape = [...shape.slice(0, positive), ids.length, ...shape.slice(positive + 1)];
      const viaEngine = await expectNoLeaks(() => tf.gather(x, indices, axis));
      const kernel = gatherBlocks(nativeKernel('GatherV2', backend)!.kernelFunc);
      const info = kernel({ inputs: { x, indices }, backend: tf.backend(), attrs: { axis, batchDims: 0 } });
      const direct = tf.engine().makeTensorFromTensorInfo(info as tf.TensorInfo);
      for (const t of [viaEngine, direct]) {
        expect(t.dtype).toBe(x.dtype);
        expect(t.shape).toEqual(outShape);
        expect(Array.from(t.dataSync())).toEqual(expected);
      }
      tf.dispose([x, indices, viaEngine, direct]);
    },
  );

  it('rejects indices outside the axis instead of reading past it', () => {
    const x = tf.zeros([3, 2]);
    const indices = tf.tensor1d([0, 3], 'int32');
    expect(() => tf.gather(x, indices)).toThrow(/index value 3 is not in \[0, 2\]/);
    tf.dispose([x, indices]);
  });

  it.runIf(backend === 'wasm')('replaces the native kernel on wasm', () => {
    expect(installKernels(backend).replaced).toContain('GatherV2');
  });
});
