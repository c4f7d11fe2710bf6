import { expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { faceSet } from '../test/faces';
import { EigenFaces } from './eigenfaces';
import { PcaError } from './errors';
import { eigenfacePictures, imageGrid } from './pictures';
import { syntheticScene } from './scene';

const data = faceSet(4);
afterAll(() => data.dispose());

describe('pictures', () => {
  it('lays tiles out in rows with padding, scaled as asked', () => {
    const tiles = tf.tensor4d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [3, 2, 2, 1]);
    const each = imageGrid(tiles, { columns: 2, pad: 1, scale: 'each', background: 0.5 });
    expect(each.shape).toEqual([7, 7, 1]);
    const v = tf.reshape(each, [7, 7]).arraySync() as number[][];
    // Tile 1 (values 4…7) at rows 1–2, columns 4–5, stretched to [0, 1].
    for (const [i, want] of [0, 1 / 3, 2 / 3, 1].entries())
      expect(v[1 + (i >> 1)]![4 + (i & 1)]).toBeCloseTo(want, 6);
    expect(v[0]![0]).toBe(0.5);
    expect(v[4]![4]).toBe(0.5); // the missing fourth tile stays background
    const all = tf
      .reshape(imageGrid(tiles, { columns: 3, pad: 0, scale: 'all' }), [2, 6])
      .arraySync() as number[][];
    expect(all[0]![0]).toBe(0);
    expect(all[0]![1]).toBeCloseTo(1 / 11, 6);
    expect(() => imageGrid(tf.zeros([2, 2]))).toThrow(PcaError);
    tf.dispose([tiles, each]);
  });

  it('draws the mean face, eigenfaces, reconstructions, distance maps and boxes', async () => {
    const model = EigenFaces.fit(data.train, { k: 12 });
    const { image } = syntheticScene({ height: 60, width: 80, faces: [{ x: 40, y: 20, size: 24 }], seed: 4 });
    const located = model.locate(image, { scales: [1, 1.25], maxBoxes: 1 });
    const pictures = await expectNoLeaks(() =>
      eigenfacePictures(model, { faces: data.test, ks: [1, 5, 12, 99], located, scene: image }),
    );
    expect(pictures.meanFace.shape).toEqual([24, 24, 1]);
    expect(pictures.eigenfaces.shape).toEqual([2 * 25 + 1, 8 * 25 + 1, 1]); // 12 eigenfaces, 8 a row
    expect(pictures.reconstructions!.shape).toEqual([6 * 25 + 1, 4 * 25 + 1, 1]); // face + k = 1, 5, 12
    expect(pictures.distanceMaps!.shape).toEqual([37, 57 + 2 + 41 + 2, 1]);
    expect(pictures.detections!.shape).toEqual([60, 80, 1]);
    // The distance maps are brightest (1) where locate's best box is.
    const maps = tf.reshape(pictures.distanceMaps!, [37, 102]).arraySync() as number[][];
    const best = located.boxes[0]!;
    expect(best.scale).toBe(1);
    expect(maps[best.y]![best.x]).toBe(1);
    // The box is drawn in white on the scene.
    const drawn = tf.reshape(pictures.detections!, [60, 80]).arraySync() as number[][];
    expect(drawn[best.y]![best.x]).toBe(1);
    // The mean face tile is the model's mean stretched to [0, 1].
    const mean = model.pca.mean.dataSync();
    const [lo, hi] = [Math.min(...mean), Math.max(...mean)];
    expect(pictures.meanFace.dataSync()[100]).toBeCloseTo((mean[100]! - lo) / (hi - lo), 5);
    tf.dispose([image, ...located.maps.map((m) => m.map), ...Object.values(pictures)]);
    model.dispose();
  });
});
