import { expectNoLeaks } from '@cnn/core';
import { LayerError, loadArtifacts, saveArtifacts } from '@cnn/layers';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { alphagoPolicy } from './alphago';
import { fractalnet } from './fractalnet';
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

  it('refuses to save a FractalNet, naming the layer (its joins hold the sampler object itself)', async () => {
    const net = fractalnet({ blocks: 1, columns: 2, widths: [2], inputShape: [4, 4, 1] });
    await expect(saveArtifacts(net)).rejects.toThrow(LayerError);
    await expect(saveArtifacts(net)).rejects.toThrow(/DropPathSampler cannot be saved/);
    net.dispose();
  });
});
