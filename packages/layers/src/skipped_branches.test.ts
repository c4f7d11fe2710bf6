import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { type CallOptions, Layer } from './layer';
import { Dense } from './layers/dense';
import { DropPath, StochasticDepth } from './layers/drop_path';
import { input, Model } from './model';
import { Adam, type Optimizer, RMSprop, SGD } from './optimizers';
import type { Shape } from './shape';

/** y = w·x with one trainable scalar w (initially `scale`), counting its calls. */
class Spy extends Layer {
  readonly className = 'Spy';
  calls = 0;
  w!: tf.Variable;
  constructor(readonly scale: number) {
    super();
  }
  computeOutputShape([shape]: readonly Shape[]): Shape {
    return shape!;
  }
  protected override build(_shapes: readonly Shape[], rng: Rng): void {
    this.w = this.addWeight('w', [], (shape) => tf.fill(shape, this.scale), rng);
  }
  call([x]: readonly tf.Tensor[]): tf.Tensor {
    this.calls++;
    return tf.mul(x!, this.w);
  }
}

/** A copy of `rng` in its current state: what the layer under test will draw next. */
const peek = (rng: Rng): CallOptions => ({ training: true, rng: Rng.fromState(rng.getState()) });

function residualNet(p: number) {
  const x = input({ shape: [3] });
  const spy = new Spy(2);
  const join = new StochasticDepth({ survivalProbability: p });
  const y = join.apply([x, spy.apply(x)]);
  return { net: new Model({ inputs: x, outputs: y }), spy, join };
}

describe('Model.run skips dropped branches', () => {
  it('runs no kernel of a dropped stochastic-depth branch; the output is the shortcut', async () => {
    const { net, spy, join } = residualNet(0.5);
    const x = tf.tensor2d([
      [1, -2, 3],
      [0.5, 4, -1],
    ]);
    const xv = Array.from(x.dataSync());
    const outcomes = new Set<boolean>();
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const rng = new Rng(seed);
      const kept = join.branchKept(peek(rng));
      outcomes.add(kept);
      const before = spy.calls;
      const profile = await tf.profile(() => net.call([x], { training: true, rng }));
      const y = profile.result as tf.Tensor;
      const yv = Array.from(y.dataSync());
      y.dispose();
      expect(spy.calls - before).toBe(kept ? 1 : 0);
      // The branch's kernel is the multiply by w and the join's the add; dropped, neither runs (only the
      // identity the model returns in place of the caller's own tensor).
      expect(profile.kernelNames.includes('Multiply')).toBe(kept);
      expect(profile.kernelNames.includes('Add')).toBe(kept);
      // Kept: x + 2x (the same values as before skipping existed); dropped: x itself.
      expect(yv).toEqual(xv.map((v) => (kept ? v + 2 * v : v)));
    }
    expect(outcomes.size).toBe(2);
    await expectNoLeaks(() => net.call([x], { training: true, rng: new Rng(3) }));
    x.dispose();
    net.dispose();
  });

  it('is unchanged at inference: x + p·f(x), the branch computed', () => {
    const { net, spy } = residualNet(0.25);
    const x = tf.tensor2d([[1, 2, -4]]);
    const y = net.predict(x);
    expect(Array.from(y.dataSync())).toEqual([1.5, 3, -6]);
    expect(spy.calls).toBe(1);
    tf.dispose([x, y]);
    net.dispose();
  });

  it('skips the branches DropPath drops, and means the kept ones', () => {
    const x = input({ shape: [2] });
    const spies = [1, 2, 4].map((k) => new Spy(k));
    const join = new DropPath({ rate: 0.5 });
    const net = new Model({ inputs: x, outputs: join.apply(spies.map((s) => s.apply(x))) });
    const xt = tf.tensor2d([[1, -3]]);
    const subsets = new Set<string>();
    for (let seed = 1; seed <= 12; seed++) {
      const rng = new Rng(seed);
      const kept = join.keptInputs(3, peek(rng));
      subsets.add(kept.join());
      const before = spies.map((s) => s.calls);
      const y = tf.tidy(() => net.call([xt], { training: true, rng }));
      spies.forEach((s, i) => {
        expect(s.calls - before[i]!).toBe(kept.includes(i) ? 1 : 0);
      });
      const scale = kept.reduce((a, i) => a + spies[i]!.scale, 0) / kept.length;
      const yv = y.dataSync();
      expect(yv[0]).toBeCloseTo(scale, 6);
      expect(yv[1]).toBeCloseTo(-3 * scale, 6);
      y.dispose();
    }
    expect(subsets.size).toBeGreaterThan(2); // the seeds drop different inputs
    xt.dispose();
    net.dispose();
  });

  it('computes only what the asked activations need', () => {
    const x = input({ shape: [2] });
    const [a, b] = [new Spy(1), new Spy(3)];
    const net = new Model({ inputs: x, outputs: [a.apply(x), b.apply(x)] });
    const xt = tf.tensor2d([[1, 2]]);
    const out = net.run(xt, { outputs: [b.name] });
    expect([a.calls, b.calls]).toEqual([0, 1]);
    expect(Array.from(out[b.name]!.dataSync())).toEqual([3, 6]);
    tf.dispose([xt, out[b.name]!]);
    net.dispose();
  });
});

describe('a skipped branch gets no gradient and no update', () => {
  const make: Record<string, () => Optimizer> = {
    sgd: () => new SGD({ learningRate: 0.1, momentum: 0.9 }),
    rmsprop: () => new RMSprop({ learningRate: 0.01, momentum: 0.5 }),
    adam: () => new Adam({ learningRate: 0.01 }),
    decayed: () => new Adam({ learningRate: 0.01, weightDecay: 0.1, clipNorm: 1 }),
  };

  for (const [name, optimizer] of Object.entries(make)) {
    it(`${name}: fit leaves an always-dropped branch's weight as it was, trains the rest`, async () => {
      const x = input({ shape: [3] });
      const spy = new Spy(2);
      const head = new Dense({ units: 2 });
      const y = head.apply(new StochasticDepth({ survivalProbability: 0 }).apply([x, spy.apply(x)]));
      const net = new Model({ inputs: x, outputs: y, seed: 1 }).compile({
        optimizer: optimizer(),
        loss: 'softmaxCrossEntropy',
      });
      const data = {
        x: tf.randomNormal([16, 3], 0, 1, 'float32', 2),
        y: tf.oneHot([...'0101101001011010'].map(Number), 2),
      };
      const kernel0 = Array.from(head.weights[0]!.variable.dataSync());
      await net.fit(data, { epochs: 1, batchSize: 4 }); // makes the optimiser's state
      const count = tf.memory().numTensors;
      const history = await net.fit(data, { epochs: 2, batchSize: 4 });
      expect(tf.memory().numTensors).toBe(count);
      expect(Number.isFinite(history.epochs[1]!.loss)).toBe(true);
      expect(spy.w.dataSync()[0]).toBe(2);
      expect(Array.from(head.weights[0]!.variable.dataSync())).not.toEqual(kernel0);
      tf.dispose([data.x, data.y]);
      net.compiled.optimizer.dispose();
      net.dispose();
    });
  }

  it('applyGradients ignores a null or undefined gradient, and a step with none', () => {
    const [a, b] = [tf.variable(tf.tensor1d([1, 2])), tf.variable(tf.tensor1d([3]))];
    const opt = new Adam({ learningRate: 0.5 });
    const g = tf.tensor1d([1, -1]);
    opt.applyGradients(
      new Map<tf.Variable, tf.Tensor | null | undefined>([
        [a, g],
        [b, null],
      ]),
    );
    opt.applyGradients(new Map([[b, undefined]]));
    // Adam's first step moves each coordinate by the learning rate against the gradient's sign.
    const av = a.dataSync();
    expect(av[0]).toBeCloseTo(0.5, 5);
    expect(av[1]).toBeCloseTo(2.5, 5);
    expect(Array.from(b.dataSync())).toEqual([3]);
    opt.dispose();
    tf.dispose([a, b, g]);
  });
});
