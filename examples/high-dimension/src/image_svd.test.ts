import { expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { rankKReconstructions, testImage } from './image_svd';

describe('the image SVD example (seed 000)', () => {
  it('rank-k errors match the discarded singular values and shrink with k', async () => {
    const x = testImage(48, 64);
    const rows = await expectNoLeaks(() => rankKReconstructions(x, [1, 5, 20]));
    for (const r of rows) {
      expect(r.image.shape).toEqual([48, 64]);
      expect(Math.abs(r.error - r.predicted)).toBeLessThan(1e-4);
    }
    expect(rows[0]!.error).toBeGreaterThan(rows[1]!.error);
    expect(rows[1]!.error).toBeGreaterThan(rows[2]!.error);
    tf.dispose([x, ...rows.map((r) => r.image)]);
  });
});
