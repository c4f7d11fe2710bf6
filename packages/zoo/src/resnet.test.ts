import { expectNoLeaks, Rng } from '@cnn/core';
import { type CallOptions, linearDecaySurvival, SGD, type StochasticDepth } from '@cnn/layers';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ZooError } from './common';
import { resnet } from './resnet';

const max = (t: tf.Tensor) => tf.max(tf.abs(t)).dataSync()[0]!;

describe('resnet', () => {
  it("ImageNet ResNets keep torchvision's names and sizes; bottlenecks widen 4×", () => {
    const net = resnet(50, { build: false });
    const shape = (n: string) => net.nodes.find((node) => node.name === n)!.shape;
    expect([
      shape('maxpool'),
      shape('layer1.0'),
      shape('layer2.3'),
      shape('layer3.5'),
      shape('layer4.2'),
      shape('fc'),
    ]).toEqual([
      [null, 56, 56, 64],
      [null, 56, 56, 256],
      [null, 28, 28, 512],
      [null, 14, 14, 1024],
      [null, 7, 7, 2048],
      [null, 1000],
    ]);
    expect(net.layers.map((l) => l.name)).toContain('layer3.0.downsample.1');
    expect(net.layers.map((l) => l.name)).not.toContain('layer3.1.downsample.0');
    expect(resnet(152, { build: false }).layers.filter((l) => l.className === 'Add')).toHaveLength(
      3 + 8 + 36 + 3,
    );
  });

  it('runs ResNet-50 forward at 32×32, blocks by name, without leaks', async () => {
    const net = resnet(50, { inputShape: [32, 32, 3], classes: 10 });
    const shapes = await expectNoLeaks(() =>
      tf.tidy(() => {
        const a = net.run(tf.randomUniform([1, 32, 32, 3]), { outputs: ['layer1.1', 'layer4.1', 'fc'] });
        return [a['layer1.1']!.shape, a['layer4.1']!.shape, a.fc!.shape];
      }),
    );
    expect(shapes).toEqual([
      [1, 8, 8, 256],
      [1, 1, 1, 2048],
      [1, 10],
    ]);
    net.dispose();
  });

  it('CIFAR ResNets join with a parameter-free zero-padding shortcut; plain nets have no joins', async () => {
    const net = resnet(20, { inputShape: [8, 8, 3], seed: 2 });
    const plain = resnet(20, { plain: true, inputShape: [8, 8, 3], seed: 2 });
    expect(plain.layers.some((l) => l.className === 'Add' || l.className === 'ZeroPadShortcut')).toBe(false);
    expect(plain.countParams()).toBe(net.countParams());
    await expectNoLeaks(() =>
      tf.tidy(() => {
        const x = tf.randomUniform([2, 8, 8, 3]);
        const a = net.run(x, {
          outputs: ['layer1.2', 'layer2.0.shortcut', 'layer2.0.bn2', 'layer2.0.add', 'layer3.2', 'fc'],
        });
        // Option A: the identity subsampled by 2 and padded from 16 to 32 channels with zeros.
        const sub = tf.stridedSlice(a['layer1.2']!, [0, 0, 0, 0], [2, 8, 8, 16], [1, 2, 2, 1]);
        expect(a['layer2.0.shortcut']!.arraySync()).toEqual(
          tf.concat([sub, tf.zeros([2, 4, 4, 16])], 3).arraySync(),
        );
        expect(max(tf.sub(a['layer2.0.add']!, tf.add(a['layer2.0.shortcut']!, a['layer2.0.bn2']!)))).toBe(0);
        expect(a['layer3.2']!.shape).toEqual([2, 2, 2, 64]);
        expect(plain.predict(x).shape).toEqual([2, 10]);
      }),
    );
    net.dispose();
    plain.dispose();
  });

  it('stochastic depth: survival decays linearly to p_L; dropped blocks are the identity; inference scales by p_l', async () => {
    const net = resnet(110, { stochasticDepth: true, build: false });
    const joins = net.layers.filter((l) => l.className === 'StochasticDepth') as StochasticDepth[];
    expect(joins).toHaveLength(54);
    expect(joins.map((j) => j.survivalProbability)).toEqual(
      joins.map((_, i) => linearDecaySurvival(i + 1, 54, 0.5)),
    );
    expect(joins.at(-1)!.survivalProbability).toBe(0.5);

    const small = resnet(20, { stochasticDepth: true, inputShape: [8, 8, 3] });
    const names = ['layer3.2.add', 'layer3.1', 'layer3.2.bn2'];
    const p = (small.getLayer('layer3.2.add') as StochasticDepth).survivalProbability;
    expect(p).toBe(0.5);
    const outcomes = await expectNoLeaks(() =>
      tf.tidy(() => {
        const x = tf.randomUniform([2, 8, 8, 3]);
        // Inference: shortcut + p_l · branch.
        const i = small.run(x, { outputs: names });
        expect(
          max(tf.sub(i['layer3.2.add']!, tf.add(i['layer3.1']!, tf.mul(i['layer3.2.bn2']!, p)))),
        ).toBeLessThan(1e-5);
        // Training: the identity alone, or shortcut + branch, each step.
        const seen = new Set<string>();
        for (let seed = 0; seed < 10; seed++) {
          const t = small.run(x, { outputs: names, training: true, rng: new Rng(seed) });
          const identity = max(tf.sub(t['layer3.2.add']!, t['layer3.1']!)) === 0;
          const full = max(tf.sub(t['layer3.2.add']!, tf.add(t['layer3.1']!, t['layer3.2.bn2']!))) < 1e-6;
          expect(identity || full).toBe(true);
          seen.add(identity ? 'dropped' : 'kept');
        }
        return [...seen].sort();
      }),
    );
    expect(outcomes).toEqual(['dropped', 'kept']);
    small.dispose();
  });

  it('stochastic depth in training runs no convolution of a dropped block', async () => {
    const net = resnet(20, { stochasticDepth: true, inputShape: [8, 8, 1], classes: 3 });
    const joins = net.layers.filter((l) => l.className === 'StochasticDepth') as StochasticDepth[];
    const x = tf.randomUniform([2, 8, 8, 1]);
    const counts = new Set<number>();
    for (let seed = 0; seed < 8; seed++) {
      // The joins draw in graph order before anything runs: a copy of the rng tells which blocks survive.
      const peek: CallOptions = { training: true, rng: new Rng(seed) };
      const kept = joins.filter((j) => j.branchKept(peek)).length;
      const profile = await tf.profile(() => net.call([x], { training: true, rng: new Rng(seed) }));
      (profile.result as tf.Tensor).dispose();
      const convs = profile.kernels.filter((k) => /conv2d/i.test(k.name)).length;
      expect(convs).toBe(1 + 2 * kept); // the stem, then two per surviving block
      counts.add(kept);
    }
    expect(counts.size).toBeGreaterThan(1);
    x.dispose();
    net.dispose();
  });

  it('fit trains a stochastic-depth resnet: finite losses, no leaks', async () => {
    const start = tf.memory().numTensors;
    const net = resnet(20, { stochasticDepth: true, inputShape: [8, 8, 1], classes: 3, seed: 2 }).compile({
      optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }),
      loss: 'softmaxCrossEntropy',
    });
    const labels = Array.from({ length: 24 }, (_, i) => i % 3);
    const data = { x: tf.randomUniform([24, 8, 8, 1], 0, 1, 'float32', 3), y: tf.tensor1d(labels, 'int32') };
    const history = await net.fit(data, { epochs: 3, batchSize: 8, seed: 1 });
    for (const logs of history.epochs) expect(Number.isFinite(logs.loss)).toBe(true);
    // Momentum slots appear with a block's first gradient, so the count may grow between epochs; once
    // everything is freed, nothing of the steps is left.
    tf.dispose([data.x, data.y]);
    net.compiled.optimizer.dispose();
    net.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('initialises every convolution as He et al. 2015 (§3.4: std √(2 / fan-in)), plain twins too', async () => {
    for (const plain of [false, true]) {
      const net = resnet(20, { plain, inputShape: [8, 8, 3], seed: 5 });
      const convs = net.layers.filter((l) => l.className === 'Conv2D');
      expect(convs).toHaveLength(19);
      await expectNoLeaks(() =>
        tf.tidy(() => {
          // The 3×3 convolutions of 16 → 16 (fan-in 144, 2,304 draws each) and 32 → 32 (fan-in 288).
          for (const [name, fanIn] of [
            ['layer1.0.conv1', 144],
            ['layer2.1.conv2', 288],
          ] as const) {
            const w = net.getLayer(name).weights[0]!.variable;
            const std = Math.sqrt(tf.moments(w).variance.dataSync()[0]!);
            // Keras' default Glorot uniform would give √(2 / (fan-in + fan-out)) = 1/√2 of it.
            expect(std / Math.sqrt(2 / fanIn)).toBeGreaterThan(0.93);
            expect(std / Math.sqrt(2 / fanIn)).toBeLessThan(1.07);
          }
        }),
      );
      net.dispose();
    }
  });

  it("initialises the classifier as torch's nn.Linear default (±1/√fan-in, bias 0), not Glorot's 5× variance", async () => {
    for (const [depth, plain, fanIn] of [
      [20, false, 64],
      [20, true, 64],
      [18, false, 512],
    ] as const) {
      const net = resnet(depth, { plain, inputShape: [32, 32, 3], classes: 10, seed: 5 });
      await expectNoLeaks(() =>
        tf.tidy(() => {
          const [kernel, bias] = net.getLayer('fc').weights.map((w) => w.variable);
          const limit = 1 / Math.sqrt(fanIn);
          // Uniform on ±limit: every draw inside, the extremes near it (640 or 5,120 draws), variance limit²/3.
          expect(max(kernel!)).toBeLessThanOrEqual(limit);
          expect(max(kernel!)).toBeGreaterThan(0.95 * limit);
          // Glorot uniform would give 2 / (fan-in + 10): 5.2× (fan-in 64) or 5.9× (512) this variance.
          const ratio = tf.moments(kernel!).variance.dataSync()[0]! / ((limit * limit) / 3);
          expect(ratio).toBeGreaterThan(0.85);
          expect(ratio).toBeLessThan(1.15);
          expect(max(bias!)).toBe(0);
        }),
      );
      net.dispose();
    }
  });

  it('rejects an unknown depth and stochastic depth on a plain net', () => {
    expect(() => resnet(19 as 18)).toThrow(ZooError);
    expect(() => resnet(20, { plain: true, stochasticDepth: true })).toThrow(/plain: true/);
    expect(() => resnet(20, { stochasticDepth: 1.5 })).toThrow(/p_L in \[0, 1\]/);
  });
});
