import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gradientCheck } from '../gradient_check';
import { DropPath, linearDecaySurvival, StochasticDepth } from './drop_path';

const inputs = (n: number) =>
  Array.from({ length: n }, (_, k) => tf.randomNormal([2, 3], 0, 1, 'float32', k + 1));

/** The mean of each non-empty subset of the inputs' values, keyed by the subset's bitmask. */
function subsetMeans(values: Float32Array[]): Map<number, number[]> {
  const means = new Map<number, number[]>();
  for (let mask = 1; mask < 1 << values.length; mask++) {
    const members = values.filter((_, i) => mask & (1 << i));
    means.set(
      mask,
      Array.from(values[0]!, (_, j) => members.reduce((a, v) => a + v[j]!, 0) / members.length),
    );
  }
  return means;
}

/** Which subset's mean `y` is (its bitmask), or -1. */
function whichSubset(y: Float32Array, means: Map<number, number[]>): number {
  for (const [mask, mean] of means) if (mean.every((m, j) => Math.abs(m - y[j]!) < 1e-5)) return mask;
  return -1;
}

describe('DropPath', () => {
  it('is the plain mean at inference: values, shape, gradient, no leaks', async () => {
    const xs = inputs(3);
    const layer = new DropPath({ rate: 0.5 });
    const y = await expectNoLeaks(() => layer.apply(xs));
    expect(
      layer.computeOutputShape([
        [null, 3],
        [null, 3],
        [null, 3],
      ]),
    ).toEqual([null, 3]);
    expect(
      whichSubset(y.dataSync() as Float32Array, subsetMeans(xs.map((x) => x.dataSync() as Float32Array))),
    ).toBe(0b111);
    expect(gradientCheck(layer, xs).maxRelativeError).toBeLessThan(1e-2);
    tf.dispose([...xs, y]);
  });

  it('in training, means a random non-empty subset: each input kept with 1 − rate (+ rateⁿ/n)', async () => {
    const xs = inputs(3);
    const means = subsetMeans(xs.map((x) => x.dataSync() as Float32Array));
    const layer = new DropPath({ rate: 0.5 });
    const rng = new Rng(1);
    const keptCount = [0, 0, 0];
    const draws = 600;
    for (let t = 0; t < draws; t++) {
      const y = await expectNoLeaks(() => layer.apply(xs, { training: true, rng }));
      const mask = whichSubset(y.dataSync() as Float32Array, means);
      y.dispose();
      expect(mask).toBeGreaterThan(0); // some non-empty subset's mean, never nothing
      for (let i = 0; i < 3; i++) if (mask & (1 << i)) keptCount[i]!++;
    }
    // P(kept) = 0.5 + 0.5³/3 ≈ 0.542; the standard deviation of the count is ≈ 12: allow four.
    for (const k of keptCount) expect(Math.abs(k - draws * (0.5 + 0.125 / 3))).toBeLessThan(50);
    tf.dispose(xs);
  });

  it('passes the gradient check in training with a fixed draw; dropped inputs get zero gradient', () => {
    const xs = inputs(3);
    const layer = new DropPath({ rate: 0.6 });
    for (const seed of [1, 2, 3, 4]) {
      const rng = new Rng(seed);
      const kept = layer.keptInputs(3, { rng: Rng.fromState(rng.getState()) });
      expect(gradientCheck(layer, xs, { call: { training: true, rng } }).maxRelativeError).toBeLessThan(1e-2);
      const grads = tf.grads((...ts: tf.Tensor[]) =>
        tf.sum(layer.call(ts, { training: true, rng: Rng.fromState(rng.getState()) })),
      )(xs);
      grads.forEach((g, i) => {
        for (const v of g.dataSync()) expect(v).toBeCloseTo(kept.includes(i) ? 1 / kept.length : 0, 6);
      });
      tf.dispose(grads);
    }
    tf.dispose(xs);
  });

  it('lists the shapes when they differ, and checks its rate', () => {
    expect(() =>
      new DropPath({ name: 'join' }).computeOutputShape([
        [null, 4],
        [null, 5],
      ]),
    ).toThrow('join: averages inputs of one shape, got [null, 4], [null, 5]');
    expect(() => new DropPath({ name: 'j', rate: 1 })).toThrow('j: rate must be in [0, 1), got 1');
    expect(new DropPath({ name: 'd' }).getConfig()).toEqual({ name: 'd', trainable: true, rate: 0.15 });
  });
});

describe('StochasticDepth', () => {
  it('is x + p·f(x) at inference: values, shape, gradient, no leaks', async () => {
    const [x, f] = inputs(2) as [tf.Tensor, tf.Tensor];
    const layer = new StochasticDepth({ survivalProbability: 0.7 });
    const y = await expectNoLeaks(() => layer.apply([x, f]));
    expect(
      layer.computeOutputShape([
        [null, 3],
        [null, 3],
      ]),
    ).toEqual([null, ...y.shape.slice(1)]);
    const [xv, fv] = [x.dataSync(), f.dataSync()];
    Array.from(y.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(xv[i]! + 0.7 * fv[i]!, 5);
    });
    expect(gradientCheck(layer, [x, f]).maxRelativeError).toBeLessThan(1e-2);
    tf.dispose([x, f, y]);
  });

  it('in training is x + f(x) with probability p, else x, once per batch', async () => {
    const [x, f] = inputs(2) as [tf.Tensor, tf.Tensor];
    const [xv, fv] = [x.dataSync(), f.dataSync()];
    const layer = new StochasticDepth({ survivalProbability: 0.8 });
    const rng = new Rng(9);
    let kept = 0;
    const draws = 500;
    for (let t = 0; t < draws; t++) {
      const y = await expectNoLeaks(() => layer.apply([x, f], { training: true, rng }));
      const yv = y.dataSync();
      y.dispose();
      const withBranch = Array.from(yv).every((v, i) => Math.abs(v - xv[i]! - fv[i]!) < 1e-6);
      const without = Array.from(yv).every((v, i) => v === xv[i]);
      expect(withBranch !== without).toBe(true); // the whole batch one way
      if (withBranch) kept++;
    }
    // Binomial(500, 0.8): standard deviation ≈ 9; allow four.
    expect(Math.abs(kept - 400)).toBeLessThan(36);
    tf.dispose([x, f]);
  });

  it('passes the gradient check in training, branch kept and dropped (zero gradient)', () => {
    const [x, f] = inputs(2) as [tf.Tensor, tf.Tensor];
    const layer = new StochasticDepth({ survivalProbability: 0.5 });
    const outcomes = new Set<boolean>();
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const rng = new Rng(seed);
      const keep = layer.branchKept({ rng: Rng.fromState(rng.getState()) });
      outcomes.add(keep);
      expect(gradientCheck(layer, [x, f], { call: { training: true, rng } }).maxRelativeError).toBeLessThan(
        1e-2,
      );
      const [, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(layer.call([a, b], { training: true, rng: Rng.fromState(rng.getState()) })),
      )([x, f]);
      gf!.dataSync().forEach((v) => {
        expect(v).toBe(keep ? 1 : 0);
      });
      gf!.dispose();
    }
    expect(outcomes.size).toBe(2); // the seeds cover both cases
    tf.dispose([x, f]);
  });

  it('takes [shortcut, branch] of one shape, naming the layer', () => {
    const layer = new StochasticDepth({ name: 'sd' });
    expect(() => layer.computeOutputShape([[null, 3]])).toThrow(
      'sd: takes [shortcut, branch], 2 inputs, got 1',
    );
    expect(() =>
      layer.computeOutputShape([
        [null, 8, 8, 16],
        [null, 4, 4, 16],
      ]),
    ).toThrow('sd: adds inputs of one shape, got [null, 8, 8, 16], [null, 4, 4, 16]');
    expect(() => new StochasticDepth({ survivalProbability: 1.5 })).toThrow(/survivalProbability must be in/);
    expect(layer.getConfig()).toEqual({ name: 'sd', trainable: true, survivalProbability: 0.5 });
  });

  it('has the linear decay rule of Huang et al.', () => {
    expect(linearDecaySurvival(0, 54)).toBe(1);
    expect(linearDecaySurvival(27, 54)).toBeCloseTo(0.75, 12);
    expect(linearDecaySurvival(54, 54)).toBeCloseTo(0.5, 12);
    expect(linearDecaySurvival(3, 4, 0.2)).toBeCloseTo(1 - 0.75 * 0.8, 12);
    expect(() => linearDecaySurvival(5, 4)).toThrow(/0 ≤ l ≤ L/);
  });
});
