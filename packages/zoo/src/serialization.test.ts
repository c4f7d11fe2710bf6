import { expectNoLeaks, Rng } from '@cnn/core';
import { input, LayerError, loadArtifacts, saveArtifacts } from '@cnn/layers';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { alphagoPolicy } from './alphago';
import { DropPathSampler, FractalJoin } from './fractal_join';
import { fractalColumn, fractalnet } from './fractalnet';
import { resnet } from './resnet';

describe('saving zoo models in the tfjs layers format', () => {
  it('round-trips the zoo layers (ZeroPadShortcut, PositionBias) bit for bit', async () => {
    for (const net of [
      resnet(20, { inputShape: [8, 8, 3], seed: 3 }),
      alphagoPolicy({ filters: 4, layers: 2, board: 5, planes: 3, seed: 3 }),
    ]) {
      const twin = loadArtifacts(await saveArtifacts(net));
      expect(twin.layers.map((l) => l.className)).toEqual(net.layers.map((l) => l.className));
      await expectNoLeaks(() =>
        tf.tidy(() => {
          const x = tf.randomUniform([2, ...(net.inputs[0]!.shape.slice(1) as number[])]);
          expect(twin.predict(x).arraySync()).toEqual(net.predict(x).arraySync());
        }),
      );
      net.dispose();
      twin.dispose();
    }
  });

  it('round-trips a FractalNet: the same inference output bit for bit, the same drop-path draws in training', async () => {
    const net = fractalnet({
      blocks: 2,
      columns: 3,
      widths: [3, 4],
      inputShape: [8, 8, 1],
      classes: 3,
      seed: 4,
    });
    const x = tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 6);
    // Move the BN statistics off their initial values, so that the saved ones matter.
    for (let seed = 0; seed < 4; seed++) tf.dispose(net.run(x, { training: true, rng: new Rng(seed) }));
    const twin = loadArtifacts(await saveArtifacts(net));
    expect(twin.layers.map((l) => l.className)).toEqual(net.layers.map((l) => l.className));
    const joins = twin.layers.filter((l): l is FractalJoin => l instanceof FractalJoin);
    expect(joins.length).toBeGreaterThan(2);
    // Every join follows the loaded model's own sampler, rebuilt with the saved configuration.
    const sampler = twin.getLayer('drop_path_sampler') as DropPathSampler;
    expect(joins.every((j) => j.sampler === sampler)).toBe(true);
    expect([sampler.columns, sampler.globalRatio]).toEqual([3, 0.5]);
    expect(joins.map((j) => [j.rate, j.inputColumns])).toEqual(
      net.layers.filter((l) => l instanceof FractalJoin).map((j) => [j.rate, j.inputColumns]),
    );
    await expectNoLeaks(() =>
      tf.tidy(() => {
        expect(twin.predict(x).arraySync()).toEqual(net.predict(x).arraySync());
        expect(fractalColumn(twin).predict(x).arraySync()).toEqual(fractalColumn(net).predict(x).arraySync());
        // Training: the same rng gives the same choices (local or which global column), so the same output.
        const seen = new Set<string>();
        for (let seed = 0; seed < 8; seed++) {
          const a = net.run(x, { training: true, rng: new Rng(seed) }).fc!;
          const b = twin.run(x, { training: true, rng: new Rng(seed) }).fc!;
          expect(sampler.choice).toEqual((net.getLayer('drop_path_sampler') as DropPathSampler).choice);
          seen.add(JSON.stringify(sampler.choice));
          expect(b.arraySync()).toEqual(a.arraySync());
        }
        expect(seen.size).toBeGreaterThan(1);
      }),
    );
    x.dispose();
    net.dispose();
    twin.dispose();
  });

  it('a join given its sampler by name finds it upstream, or says it cannot', () => {
    const x = input({ shape: [4, 4, 1] });
    const sampler = new DropPathSampler({ columns: 2, name: 's' });
    const h = sampler.apply(x);
    const join = new FractalJoin({ sampler: 's', inputColumns: [1, 2] });
    expect(() => join.sampler).toThrow(/sampler 's' is not known yet/);
    join.apply([h, h]);
    expect(join.sampler).toBe(sampler);
    const lost = new FractalJoin({ sampler: 'other', inputColumns: [1, 2] });
    expect(() => lost.apply([h, h])).toThrow(LayerError);
    expect(() => lost.apply([h, h])).toThrow(/no DropPathSampler named 'other' upstream/);
    expect(() => new FractalJoin({ sampler: 3 as unknown as string, inputColumns: [1] })).toThrow(
      /DropPathSampler or its name, got number/,
    );
  });
});
