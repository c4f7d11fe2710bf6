import { ready } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LayerError } from '../errors';
import { functionalNet, inputsFor, randomized, weightBits } from './fixtures';
import { load, save } from './io';

beforeAll(async () => {
  await ready({ backend: 'cpu' });
});

describe('save and load in a browser', () => {
  for (const url of ['indexeddb://cnn-layers-test', 'localstorage://cnn-layers-test']) {
    it(`round-trips a functional model through ${url.split(':')[0]}: weights bit for bit, same outputs`, async () => {
      const net = randomized(functionalNet(), 1);
      await save(net, url);
      const twin = await load(url);
      expect(weightBits(twin)).toEqual(weightBits(net));
      const xs = inputsFor(net, 2, 1);
      const [mine, theirs] = [net.run(xs), twin.run(xs)];
      for (const name of Object.keys(mine)) expect(theirs[name]!.dataSync()).toEqual(mine[name]!.dataSync());
      tf.dispose([...xs, ...Object.values(mine), ...Object.values(theirs)]);
      await tf.io.removeModel(url);
      net.dispose();
      twin.dispose();
    });
  }

  it('fetches paths relative to the page, and cannot write files', async () => {
    const net = randomized(functionalNet(), 2);
    await expect(load('no/such/model')).rejects.toThrow(
      /cannot read .*no\/such\/model\/model.json: HTTP 404/,
    );
    const error = await save(net, 'models/net').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LayerError);
    expect((error as Error).message).toMatch(/cannot write files in a browser .*indexeddb:\/\/name/);
    net.dispose();
  });
});
