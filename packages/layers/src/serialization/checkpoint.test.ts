import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dense } from '../layers/dense';
import { Sequential } from '../model';
import { checkpointPath, modelCheckpoint } from './checkpoint';
import { weightBits } from './fixtures';
import { load } from './io';

let dir: string;
beforeAll(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'cnn-layers-checkpoint-'));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('modelCheckpoint', () => {
  it('saves after every epoch while fit trains; the last save holds the trained weights', async () => {
    const net = new Sequential([new Dense({ units: 4, activation: 'tanh' }), new Dense({ units: 1 })], {
      inputShape: [2],
      seed: 1,
    });
    net.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const x = tf.tensor2d([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    const y = tf.tensor2d([[0], [1], [1], [0]]);
    const path = join(dir, 'every', 'epoch-{epoch}');
    await net.fit({ x, y }, { epochs: 3, batchSize: 2, callbacks: [modelCheckpoint({ path })] });
    expect((await fsp.readdir(join(dir, 'every'))).sort()).toEqual(['epoch-1', 'epoch-2', 'epoch-3']);
    const last = await load(join(dir, 'every', 'epoch-3'));
    expect(weightBits(last)).toEqual(weightBits(net));
    const first = await load(join(dir, 'every', 'epoch-1'));
    expect(weightBits(first)).not.toEqual(weightBits(net));
    tf.dispose([x, y]);
    for (const m of [net, last, first]) m.dispose();
  });

  it('with saveBestOnly, saves only the epochs that improve the monitored figure', async () => {
    const net = new Sequential([new Dense({ units: 1 })], { inputShape: [2] });
    const callback = modelCheckpoint({ path: join(dir, 'best', '{epoch}-{val_loss}'), saveBestOnly: true });
    const losses = [1, 0.5, 0.7, 0.25, undefined];
    for (const [epoch, loss] of losses.entries()) {
      await callback.onEpochEnd!(epoch, loss === undefined ? { loss: 1 } : { val_loss: loss }, net);
    }
    const saved = (await fsp.readdir(join(dir, 'best'))).sort();
    expect(saved).toEqual(['1-1.000', '2-0.5000', '4-0.2500']);
    const accuracy = modelCheckpoint({ path: join(dir, 'acc'), monitor: 'val_accuracy', saveBestOnly: true });
    await accuracy.onEpochEnd!(0, { val_accuracy: 0.5 }, net);
    await accuracy.onEpochEnd!(1, { val_accuracy: 0.4 }, net); // lower accuracy: not saved
    // A second save would have given the shard a tagged name (see save): the first one is all there is.
    expect((await fsp.readdir(join(dir, 'acc'))).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    await accuracy.onEpochEnd!(2, { val_accuracy: 0.6 }, net);
    expect((await fsp.readdir(join(dir, 'acc'))).sort()).toEqual([
      expect.stringMatching(/^group1-shard1of1\.[0-9a-f]{8}\.bin$/),
      'model.json',
    ]);
    net.dispose();
  });

  it('fills {epoch} from 1 and any logged figure into the path', () => {
    expect(checkpointPath('ckpt/{epoch}-{val_accuracy}-{nope}', 4, { val_accuracy: 0.98765 })).toBe(
      'ckpt/5-0.9877-{nope}',
    );
  });
});
