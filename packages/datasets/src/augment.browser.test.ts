import { expectNoLeaks, Rng, ready } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Augmenter, type AugmentOptions } from './augment';
import { rotation, translation, warpAffine } from './warp';

type Shape = [number, number, number, number];

function randomImages(shape: Shape, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(0.1, 1));
}

/** Runs `fn` on pixels on the named backend and reads the result back. */
async function on(backend: string, pixels: Float32Array, shape: Shape, fn: (x: tf.Tensor4D) => tf.Tensor4D) {
  await ready({ backend });
  expect(tf.getBackend()).toBe(backend);
  const x = tf.tensor4d(pixels, shape);
  const y = await expectNoLeaks(() => fn(x), `${backend} run`);
  const out = await y.data();
  tf.dispose([x, y]);
  return out;
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k]! - b[k]!));
  return worst;
}

describe('augmentation on WebGL agrees with plain JS and the cpu backend', () => {
  it('warpAffine shifts by whole pixels exactly', async () => {
    const shape: Shape = [2, 28, 28, 1];
    const p = randomImages(shape, 1);
    const shifts = [
      [3, -2],
      [-5, 1],
    ] as const;
    const out = await on('webgl', p, shape, (x) =>
      warpAffine(
        x,
        shifts.map(([dx, dy]) => translation(dx, dy)),
      ),
    );
    const expected = new Float32Array(p.length);
    shifts.forEach(([dx, dy], i) => {
      for (let y = 0; y < 28; y++)
        for (let x = 0; x < 28; x++) {
          const sx = x - dx;
          const sy = y - dy;
          if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28)
            expected[(i * 28 + y) * 28 + x] = p[(i * 28 + sy) * 28 + sx]!;
        }
    });
    expect(maxDifference(out, expected)).toBeLessThanOrEqual(1e-5);
  });

  it('warpAffine at an angle matches cpu', async () => {
    const shape: Shape = [2, 16, 16, 3];
    const p = randomImages(shape, 2);
    const warp = (x: tf.Tensor4D) =>
      warpAffine(x, [rotation(21, 16, 16), rotation(-64, 16, 16)], { fill: 0.5 });
    const gl = await on('webgl', p, shape, warp);
    const cpu = await on('cpu', p, shape, warp);
    expect(maxDifference(gl, cpu)).toBeLessThanOrEqual(1e-5);
  });

  it('Augmenter gives the same batches for the same seed', async () => {
    const shape: Shape = [4, 32, 32, 3];
    const p = randomImages(shape, 3);
    const options: AugmentOptions = {
      seed: 4,
      crop: { padding: 4 },
      flip: true,
      translate: 0.1,
      rotate: 20,
      scale: [0.9, 1.1],
      colorJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4 },
    };
    const gl = new Augmenter(options);
    const cpu = new Augmenter(options);
    for (let call = 0; call < 2; call++) {
      const a = await on('webgl', p, shape, gl.apply);
      const b = await on('cpu', p, shape, cpu.apply);
      expect(maxDifference(a, b)).toBeLessThanOrEqual(1e-5);
    }
  });
});
