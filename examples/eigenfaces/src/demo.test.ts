import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage, expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { eigenfacesDemo } from './demo';
import { writePictures } from './write';

describe('the eigenfaces example (seed 001)', () => {
  it('detects, identifies, fills in, locates and tracks, and writes its pictures', async () => {
    const r = await expectNoLeaks(() => eigenfacesDemo({ people: 10, perPerson: 6, k: 12, sceneSize: 128 }));
    expect(r.distance.nonFaces).toBeGreaterThan(1.5 * r.distance.faces);
    expect(r.identification.accuracy).toBeGreaterThan(5 * r.identification.chance);
    expect(r.occlusion.leastSquares).toBeLessThan(r.occlusion.projection);
    for (const t of r.locate.truth) {
      expect(
        r.locate.found.some(
          (b) => Math.abs(b.x - t.x) <= 3 && Math.abs(b.y - t.y) <= 3 && Math.abs(b.size - t.size) <= 1,
        ),
      ).toBe(true);
    }
    expect(r.trackError).toBeLessThanOrEqual(2);
    const dir = await mkdtemp(join(tmpdir(), 'eigenfaces-'));
    const paths = await writePictures(dir, r.pictures, 2);
    expect(paths.map((p) => p.slice(dir.length + 1)).sort()).toEqual([
      'detections.png',
      'distance-maps.png',
      'eigenfaces.png',
      'mean-face.png',
      'occlusion.png',
      'reconstructions.png',
    ]);
    const mean = decodeImage(await readFile(join(dir, 'mean-face.png')));
    expect(mean.shape).toEqual([1, 48, 48, 1]);
    tf.dispose([mean, ...Object.values(r.pictures)]);
    await rm(dir, { recursive: true });
  });
});
