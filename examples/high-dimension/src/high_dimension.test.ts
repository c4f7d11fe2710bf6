import { encodePng, expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { cosineSimilarities, histogram, histogramImage, table } from './high_dimension';

describe('the high-dimension example (seed 000)', () => {
  it.each(['gaussian', 'sphere'] as const)(
    '%s pairs: the cosine concentrates at 0 with spread 1/√n',
    async (kind) => {
      const rng = new Rng(1);
      const rows = await expectNoLeaks(() =>
        [3, 30, 300, 1000].map((n) => cosineSimilarities(rng, n, 500, kind)),
      );
      for (const r of rows.slice(1)) expect(Math.abs(r.std * Math.sqrt(r.n) - 1)).toBeLessThan(0.12);
      // In 3 dimensions cosines are uniform on [−1, 1] (Archimedes): std 1/√3, mean |cos| 1/2.
      expect(rows[0]!.meanAbs).toBeGreaterThan(0.42);
      for (let i = 1; i < rows.length; i++) expect(rows[i]!.meanAbs).toBeLessThan(rows[i - 1]!.meanAbs);
      if (kind === 'gaussian') expect(Math.abs(rows[3]!.normOverSqrtN - 1)).toBeLessThan(0.01);
      expect(table(rows).split('\n')).toHaveLength(5);
    },
  );

  it('draws one histogram panel per dimension as a PNG', async () => {
    const rows = [10, 1000].map((n) => cosineSimilarities(new Rng(2), n, 400, 'gaussian'));
    expect(histogram(rows[1]!.cosines, 10).reduce((a, b) => a + b, 0)).toBe(400);
    const image = await expectNoLeaks(() => histogramImage(rows, { bins: 20, barWidth: 4, panelHeight: 30 }));
    expect(image.shape).toEqual([68, 80]);
    const png = await encodePng(image);
    expect(Array.from(png.slice(1, 4))).toEqual([0x50, 0x4e, 0x47]); // "PNG"
    tf.dispose(image);
  });
});
