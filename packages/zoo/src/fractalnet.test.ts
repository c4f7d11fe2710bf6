import { expectNoLeaks, Rng } from '@cnn/core';
import type { Model } from '@cnn/layers';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ZooError } from './common';
import type { DropPathSampler } from './fractal_join';
import { fractalColumn, fractalnet } from './fractalnet';

const small = (columns = 3) =>
  fractalnet({ blocks: 2, columns, widths: [4, 8], inputShape: [8, 8, 1], classes: 3, seed: 1 });
const units = (net: Model, pattern: RegExp) =>
  net.layers.filter((l) => l.className === 'Conv2D' && pattern.test(l.name));
const diff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;

describe('fractalnet', () => {
  it('expands f_C by its rule: column c has 2^(c−1) units, a block 2^C − 1, the deepest column B·2^(C−1)', () => {
    const net = fractalnet({ blocks: 5, columns: 4, build: false }); // Fig. 1: depth 40
    expect(units(net, /^block1\./)).toHaveLength(15);
    expect([1, 2, 3, 4].map((c) => units(net, new RegExp(`^block1\\.col${c}\\.`)).length)).toEqual([
      1, 2, 4, 8,
    ]);
    expect(units(net, /\.col4\./)).toHaveLength(40);
    // Joins: the block's output joins all C columns; inner joins fewer.
    const join = (name: string) => net.nodes.find((n) => n.name === name)!.inputs.length;
    expect(join('block1')).toBe(4);
    expect(join('block1.join1')).toBe(2);
    expect(net.nodes.find((n) => n.name === 'block5.pool')!.shape).toEqual([null, 1, 1, 512]);
  });

  it('at inference a join is the mean of its columns', async () => {
    const net = small(2);
    await expectNoLeaks(() =>
      tf.tidy(() => {
        const a = net.run(tf.randomUniform([2, 8, 8, 1]), {
          outputs: ['block1.col1.conv1_relu', 'block1.col2.conv2_relu', 'block1'],
        });
        const mean = tf.div(tf.add(a['block1.col1.conv1_relu']!, a['block1.col2.conv2_relu']!), 2);
        expect(diff(a.block1!, mean)).toBeLessThan(1e-6);
      }),
    );
    net.dispose();
  });

  it('global drop-path trains one column: the whole net then equals that column extracted, weights shared', async () => {
    const net = small(3);
    const sampler = net.getLayer('drop_path_sampler') as DropPathSampler;
    const deepest = fractalColumn(net);
    expect(deepest.countParams()).toBeLessThan(net.countParams());
    expect(
      deepest.layers.filter((l) => l.className !== 'InputLayer').every((l) => net.layers.includes(l)),
    ).toBe(true);
    expect(units(deepest, /./)).toHaveLength(2 * 4);
    const kinds = new Set<string>();
    await expectNoLeaks(() =>
      tf.tidy(() => {
        const x = tf.randomUniform([4, 8, 8, 1]);
        for (let seed = 0; seed < 12; seed++) {
          const full = net.run(x, { outputs: ['fc'], training: true, rng: new Rng(seed) }).fc!;
          const choice = sampler.choice;
          kinds.add(choice.global ? `column ${choice.column}` : 'local');
          if (choice.global) {
            // Training-mode BN sees the same batch in both: the same statistics, the same output.
            const column = fractalColumn(net, choice.column);
            expect(
              diff(
                full,
                column.run(x, { outputs: [column.outputs[0]!.name], training: true })[
                  column.outputs[0]!.name
                ]!,
              ),
            ).toBeLessThan(1e-5);
          }
        }
        // Inference: the full net's mean of columns differs from any single column.
        expect(diff(net.predict(x), deepest.predict(x))).toBeGreaterThan(1e-4);
      }),
    );
    expect(kinds.has('local')).toBe(true);
    expect([...kinds].some((k) => k.startsWith('column'))).toBe(true);
    // Shared weights: changing the net's deepest unit changes the column's output.
    await expectNoLeaks(() =>
      tf.tidy(() => {
        const x = tf.randomUniform([1, 8, 8, 1]);
        const before = deepest.predict(x);
        const w = net.getLayer('block1.col3.conv1').weights[0]!.variable;
        w.assign(tf.mul(w, 2));
        expect(diff(before, deepest.predict(x))).toBeGreaterThan(0);
      }),
    );
    net.dispose();
  });

  it('in training, a global column runs its own convolutions only', async () => {
    const net = small(3);
    const sampler = net.getLayer('drop_path_sampler') as DropPathSampler;
    const x = tf.randomUniform([2, 8, 8, 1]);
    const seen = new Set<number>();
    for (let seed = 0; seed < 16; seed++) {
      const profile = await tf.profile(() => net.call([x], { training: true, rng: new Rng(seed) }));
      (profile.result as tf.Tensor).dispose();
      const choice = sampler.choice;
      if (!choice.global) continue;
      const convs = profile.kernels.filter((k) => /conv2d/i.test(k.name)).length;
      expect(convs).toBe(2 * 2 ** (choice.column - 1)); // two blocks of that column's 2^(c−1) units
      seen.add(choice.column);
    }
    expect(seen.size).toBeGreaterThan(1);
    x.dispose();
    net.dispose();
  });

  it('local drop-path keeps a non-empty subset of a join: its output is the mean of the kept inputs', async () => {
    const net = small(3);
    const inputs = ['block1.col1.conv1_relu', 'block1.col2.conv2_relu', 'block1.col3.conv4_relu'];
    const sampler = net.getLayer('drop_path_sampler') as DropPathSampler;
    const subsets = new Set<number>();
    await expectNoLeaks(() =>
      tf.tidy(() => {
        const x = tf.randomUniform([2, 8, 8, 1]);
        for (let seed = 0; seed < 24; seed++) {
          const a = net.run(x, { outputs: [...inputs, 'block1'], training: true, rng: new Rng(seed) });
          if (sampler.choice.global) continue;
          // Which subset's mean is it? Exactly one of the 7 non-empty ones.
          const matches = [1, 2, 3, 4, 5, 6, 7].filter((mask) => {
            const kept = inputs.filter((_, i) => mask & (1 << i));
            const mean = tf.div(tf.addN(kept.map((n) => a[n]!)), kept.length);
            return diff(a.block1!, mean) < 1e-5;
          });
          expect(matches).toHaveLength(1);
          subsets.add(matches[0]!);
        }
      }),
    );
    expect(subsets.size).toBeGreaterThan(1);
    net.dispose();
  });

  it('rejects a column out of range, a net that is not fractal, and widths of the wrong length', () => {
    const net = small(2);
    expect(() => fractalColumn(net, 3)).toThrow(ZooError);
    expect(() => fractalColumn(fractalColumn(net))).toThrow(/not a fractalnet/);
    expect(() => fractalnet({ blocks: 3, widths: [4, 8] })).toThrow(/3 block widths, got 2/);
    net.dispose();
  });
});
