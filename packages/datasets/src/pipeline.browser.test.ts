import { ready } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { Dataset } from './dataset';
import { mnistEmbedded } from './embedded/mnist';
import { encodeIdx, idxImageSet } from './formats/idx';
import { split } from './split';

describe('in a browser, on WebGL', () => {
  it('loads the embedded digits, parses gzipped IDX with fflate and batches a split', async () => {
    await ready({ backend: 'webgl' });
    const digits = await mnistEmbedded();
    expect(digits.shape).toEqual([10000, 28, 28, 1]);
    const { train } = split(digits, { train: 100 }, { seed: 0 });
    const gz = (data: Uint8Array, shape: number[]) => gzipSync(encodeIdx({ dtype: 'uint8', shape, data }));
    const parsed = idxImageSet(
      gz(train.images as Uint8Array, [100, 28, 28]),
      gz(Uint8Array.from(train.labels), [100]),
      digits.classes,
    );
    expect([...parsed.images]).toEqual([...train.images]);
    const before = tf.memory().numTensors;
    let sum = 0;
    for await (const { x, y } of Dataset.fromImages(parsed)
      .batch(32)
      .map(({ x, y }) => ({ x: tf.div(x, 255), y }))) {
      const total = tf.sum(x);
      sum += (await total.data())[0]!;
      tf.dispose([total, x, y]);
    }
    let expected = 0;
    for (const v of train.images) expected += v / 255;
    expect(sum).toBeCloseTo(expected, 0);
    expect(tf.memory().numTensors).toBe(before);
  });
});
