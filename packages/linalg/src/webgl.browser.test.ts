import { expectNoLeaks, Rng, ready } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eigh64 } from './eigh64';
import { centredGram, gram64 } from './gram64';
import { lstsq } from './lstsq';
import { pinv } from './pinv';
import { svd } from './svd';

/*
 * @cnn/linalg on WebGL (SwiftShader in headless Chromium): the backend's matrix products and the host's
 * float64 steps together must keep float32 accuracy. Small matrices: SwiftShader is a CPU emulation.
 */

let cpuForward: boolean;
beforeAll(async () => {
  await ready({ backend: 'webgl' });
  // Small tensors would otherwise run on the CPU: exercise the shaders.
  cpuForward = tf.env().getBool('WEBGL_CPU_FORWARD');
  tf.env().set('WEBGL_CPU_FORWARD', false);
});
afterAll(() => {
  tf.env().set('WEBGL_CPU_FORWARD', cpuForward);
});

const maxAbs = (x: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(x)).dataSync()[0]!);

describe('@cnn/linalg on webgl', () => {
  it('renders float32 textures, so float32 tolerances apply', () => {
    expect(tf.getBackend()).toBe('webgl');
    expect(tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')).toBe(true);
  });

  it.each([
    [40, 25],
    [25, 40],
  ])('svd of a %i×%i matrix reconstructs it with orthonormal factors', async (m, n) => {
    const a = new Rng(m).randomNormal([m, n]) as tf.Tensor2D;
    const { u, s, v } = await expectNoLeaks(() => svd(a));
    const k = Math.min(m, n);
    const back = tf.tidy(() => tf.matMul(tf.mul(u, tf.expandDims(s, 0)), v, false, true));
    expect(maxAbs(tf.sub(back, a)) / maxAbs(a)).toBeLessThan(1e-4);
    expect(tf.tidy(() => maxAbs(tf.sub(tf.matMul(u, u, true, false), tf.eye(k))))).toBeLessThan(1e-4);
    expect(tf.tidy(() => maxAbs(tf.sub(tf.matMul(v, v, true, false), tf.eye(k))))).toBeLessThan(1e-4);
    const sigma = Array.from(s.dataSync());
    expect(sigma).toEqual([...sigma].sort((x, y) => y - x));
    tf.dispose([a, u, s, v, back]);
  });

  it('lstsq solves like pinv and leaves the residual orthogonal to col(A)', () => {
    const rng = new Rng(3);
    const a = rng.randomNormal([30, 8]) as tf.Tensor2D;
    const b = rng.randomNormal([30, 2]) as tf.Tensor2D;
    for (const method of ['qr', 'svd'] as const) {
      const { x, residuals, s } = lstsq(a, b, { method });
      const p = pinv(a);
      expect(maxAbs(tf.sub(x, tf.matMul(p, b))) / maxAbs(x)).toBeLessThan(1e-4);
      const r = tf.sub(b, tf.matMul(a, x));
      expect(maxAbs(tf.matMul(a, r, true, false)) / (maxAbs(a) * maxAbs(r) * 30)).toBeLessThan(1e-5);
      tf.dispose([x, residuals, p, r, ...(s ? [s] : [])]);
    }
    tf.dispose([a, b]);
  });

  it('gram64 and eigh64 run in the page’s WebAssembly: float64 sums as in JavaScript, exact eigenpairs', () => {
    const [m, f] = [60, 150];
    const rng = new Rng(9);
    const data = Float32Array.from({ length: m * f }, () => (rng.uniform() < 0.3 ? rng.normal() : 0));
    const x = tf.tensor2d(data, [m, f]);
    const { gram } = gram64(x, { center: true });
    expect(Array.from(gram)).toEqual(Array.from(centredGram(data, m, f, true, false).gram));
    const { values, vectors } = eigh64(gram, f, { largest: 3 });
    for (let j = 0; j < 3; j++) {
      let residual = 0;
      for (let i = 0; i < f; i++) {
        let sum = 0;
        for (let l = 0; l < f; l++) sum += gram[i * f + l]! * vectors[l * 3 + j]!;
        residual = Math.max(residual, Math.abs(sum - values[f - 3 + j]! * vectors[i * 3 + j]!));
      }
      expect(residual).toBeLessThan(1e-10 * values[f - 1]!);
    }
    x.dispose();
  });
});
