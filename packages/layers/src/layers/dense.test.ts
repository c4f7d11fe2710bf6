import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { LayerError, ShapeError } from '../errors';
import { gradientCheck } from '../gradient_check';
import type { Initializer } from '../initializers';
import { l2 } from '../regularizers';
import { Dense } from './dense';

const uniform: Initializer = (shape, rng) => rng.randomUniform(shape, -1, 1);

/** y[r, u] = b[u] + Σ_k x[r, k] W[k, u], rows r of the input's leading axes folded together. */
function referenceDense(
  x: ArrayLike<number>,
  features: number,
  w: ArrayLike<number>,
  units: number,
  b: ArrayLike<number> | null,
) {
  const rows = x.length / features;
  const out = new Float32Array(rows * units);
  for (let r = 0; r < rows; r++)
    for (let u = 0; u < units; u++) {
      let sum = b ? b[u]! : 0;
      for (let k = 0; k < features; k++) sum += x[r * features + k]! * w[k * units + u]!;
      out[r * units + u] = sum;
    }
  return out;
}

describe('Dense', () => {
  it.each([
    ['rank 2', [3, 5]],
    ['rank 3', [2, 3, 5]],
    ['rank 4', [2, 2, 3, 5]],
  ])('matches a plain matmul: %s', async (_, shape) => {
    const layer = new Dense({ units: 4, kernelInitializer: uniform, biasInitializer: uniform });
    const x = new Rng(1).randomNormal(shape);
    layer.apply(x).dispose(); // builds the weights first: they are not leaks
    const y = await expectNoLeaks(() => layer.apply(x), 'Dense.apply');
    expect(layer.kernel.shape).toEqual([5, 4]);
    expect(layer.weights.map((w) => w.name)).toEqual([`${layer.name}/kernel`, `${layer.name}/bias`]);
    const want = referenceDense(x.dataSync(), 5, layer.kernel.dataSync(), 4, layer.bias!.dataSync());
    expect(y.shape).toEqual([...shape.slice(0, -1), 4]);
    expect(layer.computeOutputShape([[null, ...shape.slice(1)]])).toEqual([null, ...shape.slice(1, -1), 4]);
    const got = y.dataSync();
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 4);
    tf.dispose([x, y]);
    layer.dispose();
  });

  it('applies its activation and can leave out the bias', () => {
    const layer = new Dense({ units: 3, useBias: false, activation: 'sigmoid', kernelInitializer: uniform });
    const x = new Rng(2).randomNormal([4, 6]);
    const y = layer.apply(x);
    expect(layer.weights).toHaveLength(1);
    const want = referenceDense(x.dataSync(), 6, layer.kernel.dataSync(), 3, null);
    const got = y.dataSync();
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(1 / (1 + Math.exp(-want[i]!)), 5);
    tf.dispose([x, y]);
    layer.dispose();
  });

  it.each([
    [[3, 5], 'linear'],
    [[2, 3, 5], 'tanh'],
  ] as const)('passes the gradient check on %j with %s', (shape, act) => {
    const layer = new Dense({
      units: 4,
      activation: act,
      kernelInitializer: uniform,
      biasInitializer: uniform,
    });
    const x = new Rng(3).randomNormal([...shape]);
    const { maxRelativeError, entries } = gradientCheck(layer, [x]);
    expect(entries.map((e) => e.name)).toEqual(['input 0', `${layer.name}/kernel`, `${layer.name}/bias`]);
    expect(maxRelativeError).toBeLessThan(1e-2);
    x.dispose();
    layer.dispose();
  });

  it('keeps its regularisers with its weights', () => {
    const reg = l2(0.1);
    const layer = new Dense({ units: 2, kernelRegularizer: reg });
    layer.apply(tf.zeros([1, 3])).dispose();
    expect(layer.weights[0]!.regularizer).toBe(reg);
    expect(layer.weights[1]!.regularizer).toBeUndefined();
    layer.dispose();
  });

  it('says what input it wanted', () => {
    const layer = new Dense({ units: 2, name: 'fc' });
    expect(() => layer.computeOutputShape([[null]])).toThrow(ShapeError);
    expect(() => layer.computeOutputShape([[null]])).toThrow(
      'fc: expects [batch, …, features] (rank ≥ 2), got [null]',
    );
    expect(() => layer.computeOutputShape([[null, null]])).toThrow(
      'fc: needs a known number of input features',
    );
    layer.apply(tf.zeros([1, 3])).dispose();
    expect(() => layer.apply(tf.zeros([1, 4]))).toThrow('fc: was built for 3 input features, got [null, 4]');
    expect(() => new Dense({ units: 0 })).toThrow(LayerError);
    layer.dispose();
  });

  it('reports its Keras config', () => {
    const layer = new Dense({ units: 10, activation: 'relu', name: 'd' });
    expect(layer.getConfig()).toEqual({
      name: 'd',
      trainable: true,
      units: 10,
      activation: 'relu',
      useBias: true,
      kernelInitializer: 'glorotUniform',
      biasInitializer: 'zeros',
      kernelRegularizer: null,
      biasRegularizer: null,
    });
  });
});
