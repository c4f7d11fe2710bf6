import { expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { PcaError } from './errors';
import { syntheticScene } from './scene';
import { syntheticFaces } from './synthetic_faces';
import { nonFacePatches, TEXTURES } from './textures';

const stats = (x: tf.Tensor) => tf.tidy(() => [tf.min(x).dataSync()[0]!, tf.max(x).dataSync()[0]!]);

describe('synthetic faces, textures and scenes', () => {
  it('renders the same faces for the same seed, other people for another, in [0, 1]', async () => {
    const a = await expectNoLeaks(() => syntheticFaces({ people: 3, perPerson: 4, size: 20, seed: 5 }));
    const b = syntheticFaces({ people: 3, perPerson: 4, size: 20, seed: 5 });
    const c = syntheticFaces({ people: 3, perPerson: 4, size: 20, seed: 6 });
    expect(a.images.shape).toEqual([12, 20, 20, 1]);
    expect(Array.from(a.labels)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(Array.from(a.images.dataSync())).toEqual(Array.from(b.images.dataSync()));
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a.images, c.images))).dataSync()[0])).toBeGreaterThan(0.2);
    const [lo, hi] = stats(a.images);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    // Images of one person differ (jitter, noise) less, on average, than images of different people.
    const many = syntheticFaces({ people: 6, perPerson: 4, size: 20, seed: 5 });
    const x = tf.reshape(many.images, [24, 400]).arraySync() as number[][];
    const [within, between] = [[] as number[], [] as number[]];
    for (let i = 0; i < 24; i++) {
      for (let j = i + 1; j < 24; j++) {
        const d = Math.hypot(...x[i]!.map((v, p) => v - x[j]![p]!));
        (many.labels[i] === many.labels[j] ? within : between).push(d);
      }
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(within)).toBeLessThan(0.85 * mean(between));
    many.images.dispose();
    // No jitter and no noise: every image of a person is the same.
    const still = syntheticFaces({ people: 1, perPerson: 2, size: 16, jitter: 0, noise: 0 });
    const [first, second] = tf.split(still.images, 2);
    expect(Array.from(first!.dataSync())).toEqual(Array.from(second!.dataSync()));
    tf.dispose([a.images, b.images, c.images, still.images, first!, second!]);
  });

  it('draws textures of every kind, and pastes faces into scenes where it says', () => {
    const patches = nonFacePatches({ count: 12, size: [10, 14], seed: 1 });
    expect(patches.shape).toEqual([12, 10, 14, 1]);
    expect(TEXTURES).toHaveLength(6);
    // Every patch has texture (not flat) and stays in [0, 1].
    const std = tf.tidy(
      () => tf.sqrt(tf.moments(tf.reshape(patches, [12, 140]), 1).variance).arraySync() as number[],
    );
    expect(Math.min(...std)).toBeGreaterThan(0.01);
    const scene = syntheticScene({
      height: 40,
      width: 50,
      faces: [{ x: 20, y: 8, size: 16, person: 4 }],
      seed: 2,
    });
    expect(scene.boxes).toEqual([{ x: 20, y: 8, width: 16, height: 16 }]);
    // Only the square changed: the same scene without faces differs from it there and nowhere else.
    const empty = syntheticScene({ height: 40, width: 50, faces: [], seed: 2 });
    const changed = tf.tidy(
      () => tf.reshape(tf.notEqual(scene.image, empty.image), [40, 50]).arraySync() as number[][],
    );
    for (let r = 0; r < 40; r++) {
      for (let c = 0; c < 50; c++) {
        if (!(r >= 8 && r < 24 && c >= 20 && c < 36)) expect(changed[r]![c]).toBe(0);
      }
    }
    expect(
      changed
        .slice(8, 24)
        .flatMap((row) => row.slice(20, 36))
        .filter((v) => v).length,
    ).toBeGreaterThan(200);
    tf.dispose([patches, scene.image, empty.image]);
  });

  it('says what is wrong with its options', () => {
    const bad = (fn: () => unknown, message: RegExp) => {
      expect(fn).toThrow(PcaError);
      expect(fn).toThrow(message);
    };
    bad(() => syntheticFaces({ people: 0 }), /syntheticFaces: people must be a positive integer, got 0/);
    bad(() => syntheticFaces({ noise: -1 }), /jitter and noise must be ≥ 0, got 1, -1/);
    bad(
      () => nonFacePatches({ size: [4, 2.5] }),
      /nonFacePatches: width must be a positive integer, got 2.5/,
    );
    bad(() => nonFacePatches({ kinds: ['plaid' as never] }), /kinds must be some of noise, gradient/);
    bad(
      () => syntheticScene({ height: 20, width: 20, faces: [{ x: 10, y: 0, size: 16 }] }),
      /faces\[0\] must be an integer square inside the 20×20 image, got x 10, y 0, size 16/,
    );
  });
});
