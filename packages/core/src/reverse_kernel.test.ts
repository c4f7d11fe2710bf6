import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { installKernels, nativeKernel } from './kernels';
import { expectNoLeaks } from './leak';
import { reverseOnHeap } from './reverse_kernel';

// Runs on this file's backend (cpu or wasm: one vitest project each); on wasm tf.reverse runs the
// replacement, here also called directly around the backend's own kernel.
const backend = tf.getBackend();

/** x reversed along `axes`, by index arithmetic. */
function reference(values: ArrayLike<number>, shape: number[], axes: number[]): number[] {
  const out = new Array<number>(values.length);
  const index = shape.map(() => 0);
  for (let flat = 0; flat < values.length; flat++) {
    let from = 0;
    shape.forEach((n, d) => {
      from = from * n + (axes.includes(d) ? n - 1 - index[d]! : index[d]!);
    });
    out[flat] = values[from]!;
    for (let d = shape.length - 1; d >= 0 && ++index[d]! === shape[d]; d--) index[d] = 0;
  }
  return out;
}

const CASES: { shape: number[]; axis: number | number[]; dtype?: 'int32' | 'bool' }[] = [
  { shape: [5, 5, 3, 4], axis: [0, 1] },
  { shape: [5, 5, 3, 4], axis: [3] },
  { shape: [2, 3, 4], axis: [0, 2] },
  { shape: [7], axis: 0 },
  { shape: [3, 4], axis: -1, dtype: 'int32' },
  { shape: [2, 3], axis: [0, 1], dtype: 'bool' },
  { shape: [2, 3], axis: [] },
];

describe(`Reverse on ${backend}`, () => {
  it.each(CASES)('matches the definition: $shape along $axis ($dtype)', async ({ shape, axis, dtype }) => {
    const size = shape.reduce((p, d) => p * d, 1);
    const values = Array.from({ length: size }, (_, i) => (dtype === 'bool' ? i % 3 === 0 : i * 1.5 - 7));
    const x = tf.tensor(values as number[], shape, dtype ?? 'float32');
    const expected = reference(
      x.dataSync() as unknown as number[],
      shape,
      tf.util.parseAxisParam(axis, shape),
    );
    const viaEngine = await expectNoLeaks(() => tf.reverse(x, axis));
    const kernel = reverseOnHeap(nativeKernel('Reverse', backend)!.kernelFunc);
    const info = kernel({ inputs: { x }, backend: tf.backend(), attrs: { dims: axis } }) as tf.TensorInfo;
    const direct = tf.engine().makeTensorFromTensorInfo(info);
    for (const t of [viaEngine, direct]) {
      expect(t.dtype).toBe(x.dtype);
      expect(t.shape).toEqual(shape);
      expect(Array.from(t.dataSync())).toEqual(expected);
    }
    tf.dispose([x, viaEngine, direct]);
  });

  it.runIf(backend === 'wasm')('replaces the native kernel on wasm', () => {
    expect(installKernels(backend).replaced).toContain('Reverse');
  });
});
