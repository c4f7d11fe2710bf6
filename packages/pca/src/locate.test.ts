import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { faceSet, SIZE } from '../test/faces';
import { MIN_STD } from './contrast';
import { EigenFaces } from './eigenfaces';
import { PcaError } from './errors';
import { syntheticScene } from './scene';

const data = faceSet(1);
const models = {
  normalized: EigenFaces.fit(data.train, { k: 12 }),
  raw: EigenFaces.fit(data.train, { k: 12, normalize: false }),
};
afterAll(() => {
  data.dispose();
  models.normalized.dispose();
  models.raw.dispose();
});

/**
 * The distance from face space of every stride-th window, one window at a time in float64: cut it out,
 * normalise it, subtract the mean face, remove its projection on the eigenfaces, take the norm.
 */
function referenceMap(model: EigenFaces, image: tf.Tensor, stride: number): number[][] {
  const [h, w] = model.imageShape;
  const d = h * w;
  const [H, W] = image.shape.slice(-3, -1) as [number, number];
  const x = image.dataSync();
  const mu = model.pca.mean.dataSync();
  const u = model.pca.components.arraySync();
  const out: number[][] = [];
  for (let i = 0; i + h <= H; i += stride) {
    const row: number[] = [];
    for (let j = 0; j + w <= W; j += stride) {
      const win = new Float64Array(d);
      for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) win[r * w + c] = x[(i + r) * W + j + c]!;
      if (model.normalize) {
        const m = win.reduce((a, b) => a + b, 0) / d;
        const s = Math.max(Math.sqrt(win.reduce((a, b) => a + (b - m) ** 2, 0) / d), MIN_STD);
        for (let p = 0; p < d; p++) win[p] = (win[p]! - m) / s;
      }
      const res = win.map((v, p) => v - mu[p]!);
      const coef = u.map((uk) => uk.reduce((a, v, p) => a + v * res[p]!, 0));
      for (const [q, uk] of u.entries()) for (let p = 0; p < d; p++) res[p]! -= coef[q]! * uk[p]!;
      row.push(Math.sqrt(res.reduce((a, v) => a + v * v, 0)));
    }
    out.push(row);
  }
  return out;
}

const maxDiff = (a: number[][], b: number[][]) =>
  Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i]![j]!))));

describe('EigenFaces.locate', () => {
  it.each([
    ['normalized', 1],
    ['normalized', 3],
    ['raw', 2],
  ] as const)('%s, stride %i: the convolution map equals a loop over windows', (which, stride) => {
    const model = models[which];
    const scene = syntheticScene({ height: 41, width: 80, faces: [{ x: 13, y: 9, size: SIZE }], seed: 1 });
    // A flat region wider than a window: its windows take the MIN_STD branch of the normalisation.
    const image = tf.tidy(() => {
      const flat = tf.greaterEqual(tf.reshape(tf.range(0, 80), [1, 1, 80, 1]), 50);
      return tf.where(tf.broadcastTo(flat, [1, 41, 80, 1]), tf.fill([1, 41, 80, 1], 0.5), scene.image);
    });
    scene.image.dispose();
    const { maps } = model.locate(image, { stride });
    const map = maps[0]!.map.arraySync();
    const ref = referenceMap(model, image, stride);
    expect([map.length, map[0]!.length]).toEqual([ref.length, ref[0]!.length]);
    // float32 window sums of 576 terms (measured: ≤ 6e-5), against distances of 2 to 33.
    expect(maxDiff(map, ref)).toBeLessThan(2e-4);
    // The face's own window is the closest to face space.
    const best = Math.min(...map.flat());
    if (stride === 1) expect(map[9]![13]).toBe(best);
    tf.dispose([image, maps[0]!.map]);
  });

  it('matches the loop on the resized image at other scales, with boxes in the image’s pixels', () => {
    const model = models.normalized;
    const { image } = syntheticScene({ height: 60, width: 75, faces: [{ x: 30, y: 12, size: 36 }], seed: 1 });
    const { maps, boxes } = model.locate(image, { scales: [1.5] });
    const small = tf.image.resizeBilinear(image, [40, 50], false, true);
    expect(maxDiff(maps[0]!.map.arraySync(), referenceMap(model, small, 1))).toBeLessThan(2e-4);
    expect(maps[0]).toMatchObject({ scale: 1.5, stepX: 1.5, stepY: 1.5, boxWidth: 36, boxHeight: 36 });
    expect(Math.abs(boxes[0]!.x - 30)).toBeLessThanOrEqual(2);
    expect(Math.abs(boxes[0]!.y - 12)).toBeLessThanOrEqual(2);
    tf.dispose([image, small, maps[0]!.map]);
  });

  it('finds faces pasted into a larger image, at their scales, as non-overlapping boxes', async () => {
    const faces = [
      { x: 20, y: 70, size: 24, person: 3 }, // a known person
      { x: 110, y: 20, size: 36, person: 500 }, // a stranger, half as large again
    ];
    const { image, boxes: truth } = syntheticScene({ height: 120, width: 160, faces, seed: 1 });
    const { maps, boxes } = await expectNoLeaks(() =>
      models.normalized.locate(image, { scales: [1, 1.5], maxBoxes: 4 }),
    );
    expect(maps.map((m) => m.map.shape)).toEqual([
      [97, 137],
      [57, 84],
    ]);
    for (const t of truth) {
      const hit = boxes.find(
        (b) => Math.abs(b.x - t.x) <= 3 && Math.abs(b.y - t.y) <= 3 && Math.abs(b.width - t.width) <= 1,
      );
      expect(hit, `a box at ${JSON.stringify(t)} in ${JSON.stringify(boxes)}`).toBeDefined();
    }
    // The two faces are the two best boxes, and no two boxes overlap.
    expect(
      boxes
        .slice(0, 2)
        .map((b) => b.scale)
        .sort(),
    ).toEqual([1, 1.5]);
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const apart =
          a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        expect(apart).toBe(true);
      }
    }
    // maxDistance keeps only windows closer than it.
    const near = models.normalized.locate(image, {
      scales: [1, 1.5],
      maxDistance: boxes[1]!.distance * 1.0001,
    });
    expect(near.boxes).toHaveLength(2);
    tf.dispose([image, ...maps.map((m) => m.map), ...near.maps.map((m) => m.map)]);
  });

  it('says what is wrong with its arguments', () => {
    const image = new Rng(1).randomUniform([30, 30, 1]);
    const bad = (fn: () => unknown, message: RegExp) => {
      expect(fn).toThrow(PcaError);
      expect(fn).toThrow(message);
    };
    const before = tf.memory().numTensors;
    const m = models.normalized;
    bad(
      () => m.locate(image, { scales: [2] }),
      /at scale 2 the 30×30 image shrinks to 15×15, smaller than the 24×24 face window/,
    );
    bad(
      () => m.locate(image, { scales: [] }),
      /scales must be a non-empty array of positive numbers, got \[\]/,
    );
    bad(() => m.locate(image, { stride: 0 }), /stride must be a positive integer, got 0/);
    bad(() => m.locate(image, { maxOverlap: 2 }), /maxOverlap must be in \[0, 1\], got 2/);
    bad(
      () => m.locate(data.test, {}),
      /expected one grayscale image \[1, H, W, 1\], \[H, W, 1\] or \[H, W\], got shape \[60, 24, 24, 1\]/,
    );
    expect(tf.memory().numTensors).toBe(before);
    image.dispose();
  });
});
