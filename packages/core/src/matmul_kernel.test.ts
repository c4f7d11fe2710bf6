import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { expectClose } from '../test/conv_cases';
import { installKernels, nativeKernel } from './kernels';
import { expectNoLeaks } from './leak';
import { fastBatchMatMul } from './matmul_kernel';
import { Rng } from './random';

// Runs on this file's backend (cpu or wasm: one vitest project each). On wasm, tf.matMul runs the
// replacement; on both, the replacement is also called directly around the backend's own kernel.
const backend = tf.getBackend();

interface Case {
  name: string;
  a: number[];
  b: number[];
  ta?: boolean;
  tb?: boolean;
}

const flags = (name: string, a: number[], b: number[]): Case[] =>
  [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ].map(([ta, tb]) => ({
    name: `${name}${ta ? ', transposeA' : ''}${tb ? ', transposeB' : ''}`,
    a: ta ? [...a.slice(0, -2), a.at(-1)!, a.at(-2)!] : a,
    b: tb ? [...b.slice(0, -2), b.at(-1)!, b.at(-2)!] : b,
    ta,
    tb,
  }));

const CASES: Case[] = [
  ...flags('2-D', [5, 7], [7, 3]),
  // Right operand much larger than the left: the swapped form (a dense layer's forward pass).
  ...flags('2-D, large right operand', [2, 50], [50, 80]),
  ...flags('batch of left matrices, one right', [3, 4, 5], [5, 6]),
  ...flags('batch of left matrices, right batch 1', [2, 3, 4, 5], [1, 5, 6]),
  ...flags('one left matrix, batch of right', [4, 5], [3, 5, 6]),
  ...flags('equal small batches (native loop)', [3, 4, 5], [3, 5, 6]),
  ...flags('equal large batches (one product each)', [2, 100, 110], [2, 110, 120]),
  { name: 'rank-4 equal batches', a: [2, 3, 4, 5], b: [2, 3, 5, 6] },
];

/** op(a) · op(b) in float64, batch axes broadcast (each of size 1 or the output's). */
function reference(c: Case, av: Float32Array, bv: Float32Array): { shape: number[]; values: Float64Array } {
  const [ar, ac] = c.a.slice(-2) as [number, number];
  const [br, bc] = c.b.slice(-2) as [number, number];
  const [m, k] = c.ta ? [ac, ar] : [ar, ac];
  const n = c.tb ? br : bc;
  const batch = tf.broadcast_util.assertAndGetBroadcastShape(c.a.slice(0, -2), c.b.slice(0, -2));
  const count = batch.reduce((p, d) => p * d, 1);
  const countA = c.a.slice(0, -2).reduce((p, d) => p * d, 1);
  const countB = c.b.slice(0, -2).reduce((p, d) => p * d, 1);
  const values = new Float64Array(count * m * n);
  for (let i = 0; i < count; i++) {
    const oa = (countA === 1 ? 0 : i) * ar * ac;
    const ob = (countB === 1 ? 0 : i) * br * bc;
    for (let r = 0; r < m; r++) {
      for (let col = 0; col < n; col++) {
        let sum = 0;
        for (let j = 0; j < k; j++) {
          sum += av[oa + (c.ta ? j * ac + r : r * ac + j)]! * bv[ob + (c.tb ? col * bc + j : j * bc + col)]!;
        }
        values[(i * m + r) * n + col] = sum;
      }
    }
  }
  return { shape: [...batch, m, n], values };
}

/** The replacement called directly, around the backend's own BatchMatMul. */
function replacement(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): tf.Tensor {
  const kernel = fastBatchMatMul(nativeKernel('BatchMatMul', backend)!.kernelFunc);
  const out = kernel({ inputs: { a, b }, backend: tf.backend(), attrs: { transposeA: ta, transposeB: tb } });
  const info = out as tf.TensorInfo;
  return info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info);
}

describe(`BatchMatMul replacement on ${backend}`, () => {
  let kept: tf.Tensor[] = [];
  afterEach(() => {
    tf.dispose(kept);
    kept = [];
  });

  it.each(CASES)('matches the float64 reference: $name', async (c) => {
    const rng = new Rng(11);
    const [a, b] = [rng.randomNormal(c.a), rng.randomNormal(c.b)];
    kept.push(a, b);
    const expected = reference(c, a.dataSync() as Float32Array, b.dataSync() as Float32Array);
    const viaEngine = await expectNoLeaks(() => tf.matMul(a, b, c.ta, c.tb));
    const direct = await expectNoLeaks(() => replacement(a, b, c.ta ?? false, c.tb ?? false));
    // Again with the same right operand: taken for a weight now, it goes the plain way.
    const again = await expectNoLeaks(() => tf.matMul(a, b, c.ta, c.tb));
    kept.push(viaEngine, direct, again);
    for (const t of [viaEngine, direct, again]) {
      expect(t.shape).toEqual(expected.shape);
      expectClose(t, expected.values, 1e-5);
    }
  });

  it('differentiates matMul as before, for every flag combination', () => {
    const rng = new Rng(12);
    // tfjs' MatMul gradient takes equal batches only (a broadcast batch fails on every backend).
    for (const c of [...flags('2-D', [6, 40], [40, 30]), ...flags('batched', [3, 4, 5], [3, 5, 6])]) {
      const [a, b] = [rng.randomNormal(c.a), rng.randomNormal(c.b)];
      const r = rng.randomNormal(reference(c, new Float32Array(a.size), new Float32Array(b.size)).shape);
      const loss = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, c.ta, c.tb), r));
      const [da, db] = tf.grads(loss)([a, b]);
      // L is linear in each factor: its gradient is the loss of the unit-perturbed factor, exact in float64.
      const [av, bv, rv] = [a.dataSync(), b.dataSync(), r.dataSync()] as Float32Array[];
      const dot = (m: Float64Array) => m.reduce((s, v, i) => s + v * rv![i]!, 0);
      const unit = (size: number, i: number) =>
        Float32Array.from({ length: size }, (_, j) => (j === i ? 1 : 0));
      for (const i of [0, 7, a.size - 1]) {
        expect(da!.dataSync()[i]).toBeCloseTo(dot(reference(c, unit(a.size, i), bv!).values), 4);
      }
      for (const i of [0, 5, b.size - 1]) {
        expect(db!.dataSync()[i]).toBeCloseTo(dot(reference(c, av!, unit(b.size, i)).values), 4);
      }
      tf.dispose([a, b, r, da!, db!]);
    }
  });

  it('reports mismatched inner dimensions as the backend does', () => {
    const [a, b] = [tf.zeros([2, 3]), tf.zeros([4, 5])];
    expect(() => tf.matMul(a, b)).toThrow(/inner shapes \(3\) and \(4\)/);
    tf.dispose([a, b]);
  });

  it.runIf(backend === 'wasm')('is installed on wasm, and switched off restores the native kernel', () => {
    expect(installKernels(backend).replaced).toContain('BatchMatMul');
    const native = nativeKernel('BatchMatMul', backend)!;
    expect(tf.getKernel('BatchMatMul', backend)).not.toBe(native);
    expect(installKernels(backend, { replace: false }).replaced).toEqual([]);
    expect(tf.getKernel('BatchMatMul', backend)).toBe(native);
    expect(installKernels(backend).replaced).toContain('BatchMatMul');
  });
});
