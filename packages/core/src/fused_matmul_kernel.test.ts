import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../test/conv_cases';
import { installKernels } from './kernels';
import { expectNoLeaks } from './leak';
import { Rng } from './random';

// Runs on this file's backend (cpu or wasm: one vitest project each); on wasm tf.fused.matMul runs the
// replacement, which keeps wasm's fused kernel where the plain product is the cheaper.
const backend = tf.getBackend();

type Activation = 'linear' | 'relu' | 'relu6' | 'elu' | 'sigmoid' | 'leakyrelu' | 'prelu';

const ACTIVATE: Record<Activation, (v: number, w: number) => number> = {
  linear: (v) => v,
  relu: (v) => Math.max(v, 0),
  relu6: (v) => Math.min(Math.max(v, 0), 6),
  elu: (v) => (v > 0 ? v : Math.exp(v) - 1),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  leakyrelu: (v) => (v > 0 ? v : 0.3 * v),
  prelu: (v, w) => (v > 0 ? v : w * v),
};

interface Case {
  name: string;
  m: number;
  k: number;
  n: number;
  ta?: boolean;
  tb?: boolean;
  bias?: boolean;
  activation: Activation;
}

const CASES: Case[] = [
  { name: 'small, plain (fused kernel)', m: 5, k: 7, n: 3, bias: true, activation: 'relu' },
  { name: 'large right operand (unfused)', m: 2, k: 60, n: 90, bias: true, activation: 'linear' },
  { name: 'transposeA', m: 6, k: 9, n: 4, ta: true, bias: true, activation: 'sigmoid' },
  { name: 'transposeB', m: 6, k: 9, n: 4, tb: true, activation: 'elu' },
  {
    name: 'both flags, leaky relu',
    m: 3,
    k: 5,
    n: 8,
    ta: true,
    tb: true,
    bias: true,
    activation: 'leakyrelu',
  },
  { name: 'large right operand, prelu', m: 2, k: 60, n: 90, bias: true, activation: 'prelu' },
  { name: 'large right operand, relu6', m: 2, k: 60, n: 90, activation: 'relu6' },
];

describe(`_FusedMatMul on ${backend}`, () => {
  it.each(CASES)('matches the float64 reference: $name', async (c) => {
    const rng = new Rng(51);
    const a = rng.randomNormal(c.ta ? [c.k, c.m] : [c.m, c.k]) as tf.Tensor2D;
    const b = rng.randomNormal(c.tb ? [c.n, c.k] : [c.k, c.n]) as tf.Tensor2D;
    const bias = c.bias ? rng.randomNormal([c.n]) : undefined;
    const weights = rng.randomUniform([c.n]);
    const [av, bv, wv] = [a.dataSync(), b.dataSync(), weights.dataSync()];
    const biasValues = bias?.dataSync();
    const expected = new Float64Array(c.m * c.n);
    for (let i = 0; i < c.m; i++) {
      for (let j = 0; j < c.n; j++) {
        let sum = biasValues?.[j] ?? 0;
        for (let l = 0; l < c.k; l++) {
          sum += av[c.ta ? l * c.m + i : i * c.k + l]! * bv[c.tb ? j * c.k + l : l * c.n + j]!;
        }
        expected[i * c.n + j] = ACTIVATE[c.activation](sum, wv[j]!);
      }
    }
    const run = () =>
      tf.fused.matMul({
        a,
        b,
        transposeA: c.ta,
        transposeB: c.tb,
        bias,
        activation: c.activation,
        preluActivationWeights: c.activation === 'prelu' ? weights : undefined,
        leakyreluAlpha: 0.3,
      });
    // Twice: the second time the right operand is taken for a weight and may go to the fused kernel.
    for (let i = 0; i < 2; i++) {
      const y = await expectNoLeaks(run);
      expect(y.shape).toEqual([c.m, c.n]);
      expectClose(y, expected, 1e-5);
      y.dispose();
    }
    tf.dispose([a, b, weights, ...(bias ? [bias] : [])]);
  });

  it('differentiates a fused linear dense layer as its unfused ops', () => {
    const rng = new Rng(52);
    const [x, w, bias] = [rng.randomNormal([4, 50]), rng.randomNormal([50, 70]), rng.randomNormal([70])];
    const r = rng.randomNormal([4, 70]);
    const fused = (p: tf.Tensor, q: tf.Tensor, s: tf.Tensor) =>
      tf.sum(tf.mul(tf.fused.matMul({ a: p as tf.Tensor2D, b: q as tf.Tensor2D, bias: s }), r));
    const plain = (p: tf.Tensor, q: tf.Tensor, s: tf.Tensor) => tf.sum(tf.mul(tf.add(tf.matMul(p, q), s), r));
    const got = tf.grads(fused)([x, w, bias]);
    const want = tf.grads(plain)([x, w, bias]);
    got.forEach((g, i) => {
      expectClose(g, Float64Array.from(want[i]!.dataSync()), 1e-5);
    });
    tf.dispose([x, w, bias, r, ...got, ...want]);
  });

  it.runIf(backend === 'wasm')('replaces the native kernel on wasm', () => {
    expect(installKernels(backend).replaced).toContain('_FusedMatMul');
  });
});
