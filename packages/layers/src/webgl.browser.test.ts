import { Rng, ready } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientCheck } from './gradient_check';
import type { Layer } from './layer';
import { BatchNormalization } from './layers/batch_normalization';
import { Conv2D } from './layers/conv2d';
import { Dense } from './layers/dense';
import { Add } from './layers/merge';
import { AveragePooling2D, MaxPooling2D } from './layers/pooling';
import { Flatten } from './layers/reshape';
import { losses } from './losses';
import { input, Model, Sequential } from './model';
import { Adam } from './optimizers';

/*
 * @cnn/layers on WebGL (SwiftShader in headless Chromium). Found there: WebGL 2 with
 * WEBGL_RENDER_FLOAT32_ENABLED, so float32 tolerances hold: gradient checks err by ≤ 1e-3 (as on cpu),
 * and a CNN's outputs and gradients agree with cpu's to ~4e-7 of their scale. A GPU that renders only
 * float16 would fail the first test rather than loosen every other.
 */

// tfjs-webgl runs elementwise ops on inputs under 128 values on the CPU (WEBGL_CPU_FORWARD): off, so
// these small tests exercise the shaders.
let cpuForward: boolean;
beforeAll(async () => {
  await ready({ backend: 'webgl' });
  cpuForward = tf.env().getBool('WEBGL_CPU_FORWARD');
  tf.env().set('WEBGL_CPU_FORWARD', false);
});
afterAll(() => {
  tf.env().set('WEBGL_CPU_FORWARD', cpuForward);
});

/** Values a permutation apart (0.1 steps): no max-pool ties, none within a finite-difference step. */
function distinct(shape: number[], seed: number, offset = 0): tf.Tensor {
  const perm = new Rng(seed).permutation(shape.reduce((a, b) => a * b, 1));
  return tf.tensor(
    Float32Array.from(perm, (v) => v * 0.1 + offset),
    shape,
  );
}

describe('WebGL in headless Chromium', () => {
  it('runs float32 textures (SwiftShader renders float32, so no half-precision tolerances)', () => {
    expect(tf.getBackend()).toBe('webgl');
    const flags = ['WEBGL_VERSION', 'WEBGL_RENDER_FLOAT32_ENABLED', 'WEBGL_FORCE_F16_TEXTURES', 'WEBGL_PACK'];
    console.info(`webgl flags: ${flags.map((f) => `${f}=${tf.env().get(f)}`).join(' ')}`);
    expect(tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')).toBe(true);
    expect(tf.env().getBool('WEBGL_FORCE_F16_TEXTURES')).toBe(false);
    // float32 keeps 1 + 2⁻²⁰; float16 (10-bit mantissa) would round it to 1.
    const y = tf.sub(tf.add(tf.scalar(1), 2 ** -20), 1);
    expect(y.dataSync()[0]).toBe(2 ** -20);
    y.dispose();
  });
});

describe('gradient check on WebGL', () => {
  const cases: [string, () => Layer, () => tf.Tensor, { epsilon?: number; training?: boolean }][] = [
    [
      'Conv2D 3×3 stride 2 same',
      () => new Conv2D({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' }),
      () => new Rng(1).randomNormal([2, 5, 6, 2]),
      {},
    ],
    [
      'Conv2D [2, 3] stride [1, 2] padding 1',
      () => new Conv2D({ filters: 2, kernelSize: [2, 3], strides: [1, 2], padding: 1 }),
      () => new Rng(2).randomNormal([1, 4, 5, 3]),
      {},
    ],
    ['Dense', () => new Dense({ units: 4 }), () => new Rng(3).randomNormal([3, 5]), {}],
    [
      'MaxPooling2D 3×3 stride 2 same',
      () => new MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' }),
      () => distinct([2, 5, 6, 2], 4, -3),
      { epsilon: 0.04 },
    ],
    [
      'AveragePooling2D 3×3 stride 1 padding 1',
      () => new AveragePooling2D({ poolSize: 3, strides: 1, padding: 1 }),
      () => distinct([2, 5, 6, 2], 5, -3),
      { epsilon: 0.04 },
    ],
    [
      'BatchNormalization in training mode',
      () => new BatchNormalization({ gammaInitializer: 'glorotUniform' }),
      () => tf.add(tf.mul(new Rng(6).randomNormal([4, 2, 2, 3]), 2), 1),
      { training: true },
    ],
  ];

  // Node's tolerance: float32 central differences, ~10× the worst error seen here.
  it.each(cases)('%s', (_, make, data, { epsilon, training }) => {
    const [layer, x] = [make(), data()];
    const before = tf.memory().numTensors;
    const { maxRelativeError, entries } = gradientCheck(layer, [x], {
      samples: 8,
      epsilon,
      call: { training },
    });
    console.info(
      `${layer.className}: ${entries.map((e) => `${e.name} ${e.relativeError.toExponential(1)}`)}`,
    );
    expect(entries.length).toBe(1 + layer.weights.filter((w) => w.trainable).length);
    expect(maxRelativeError).toBeLessThan(1e-2);
    expect(tf.memory().numTensors).toBe(before + layer.weights.length); // the weights it built
    layer.dispose();
    x.dispose();
  });
});

/** [8, 8, 2] → conv stride 2 relu → batch norm → (max pool | 1×1 conv tanh → avg pool) → add → dense 3. */
function cnn(): Model {
  const x = input({ shape: [8, 8, 2] });
  const h = new BatchNormalization().apply(
    new Conv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(x),
  );
  const a = new MaxPooling2D({ poolSize: 2 }).apply(h);
  const b = new AveragePooling2D({ poolSize: 2 }).apply(
    new Conv2D({ filters: 4, kernelSize: 1, activation: 'tanh' }).apply(h),
  );
  const y = new Dense({ units: 3 }).apply(new Flatten().apply(new Add().apply([a, b])));
  return new Model({ inputs: x, outputs: y, seed: 3 });
}

interface Pass {
  weights: Float32Array[];
  inference: Float32Array;
  training: Float32Array;
  loss: number;
  grads: Float32Array[];
}

/**
 * On `backend`: the model's outputs in inference and training mode, and the gradient of the cross-entropy
 * (training mode: batch statistics) with respect to every trainable weight. Everything leaves as arrays.
 */
async function pass(backend: string, weights?: Float32Array[]): Promise<Pass> {
  await ready({ backend });
  expect(tf.getBackend()).toBe(backend);
  const net = cnn();
  if (weights)
    net.weights.forEach((w, i) => void w.variable.assign(tf.tensor(weights[i]!, w.variable.shape)));
  const result = tf.tidy(() => {
    const x = new Rng(11).randomNormal([4, 8, 8, 2]);
    const labels = tf.tensor1d([0, 1, 2, 1], 'int32');
    const before = net.weights.map((w) => w.variable.dataSync() as Float32Array);
    const inference = net.predict(x).dataSync() as Float32Array;
    const training = net.call([x], { training: true }).dataSync() as Float32Array;
    const trainable = net.trainableWeights.map((w) => w.variable);
    const { value, grads } = tf.variableGrads(
      () => losses.softmaxCrossEntropy(labels, net.call([x], { training: true })),
      trainable,
    );
    const g = trainable.map((v) => grads[v.name]!.dataSync() as Float32Array);
    return { weights: before, inference, training, loss: value.dataSync()[0]!, grads: g };
  });
  net.dispose();
  return result;
}

/** max |a − b| ≤ tolerance · max(1, max |b|): float32 agreement at b's scale. */
function expectClose(a: Float32Array, b: Float32Array, tolerance: number): void {
  expect(a.length).toBe(b.length);
  let [diff, scale] = [0, 1];
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  expect(diff).toBeLessThanOrEqual(tolerance * scale);
}

describe('webgl against cpu', () => {
  it('gives a small functional CNN the same outputs and weight gradients', async () => {
    const cpu = await pass('cpu');
    const gl = await pass('webgl', cpu.weights);
    expect(gl.weights).toEqual(cpu.weights);
    expect(gl.grads.length).toBe(8); // conv kernel, bias; gamma, beta; conv kernel, bias; dense kernel, bias
    expectClose(gl.inference, cpu.inference, 1e-5);
    expectClose(gl.training, cpu.training, 1e-5);
    expect(gl.loss).toBeCloseTo(cpu.loss, 5);
    gl.grads.forEach((g, i) => {
      expect(Math.max(...cpu.grads[i]!.map(Math.abs))).toBeGreaterThan(1e-3); // not a vacuous comparison
      expectClose(g, cpu.grads[i]!, 1e-5);
    });
  });
});

describe('fit on webgl', () => {
  it('learns a separable problem with a flat tensor count', async () => {
    await ready({ backend: 'webgl' });
    // Class 1: a bright 3×3 patch in the left half; class 0: in the right half. Noise everywhere.
    const rng = new Rng(5);
    const n = 64;
    const images = new Float32Array(n * 8 * 8);
    const classes = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      classes[i] = i % 2;
      const [r, c] = [rng.int(6), classes[i] ? rng.int(2) : 4 + rng.int(2)];
      for (let k = 0; k < 64; k++) images[i * 64 + k] = rng.normal(0, 0.3);
      for (let dr = 0; dr < 3; dr++)
        for (let dc = 0; dc < 3; dc++) images[i * 64 + (r + dr) * 8 + c + dc]! += 1;
    }
    const [x, y] = [tf.tensor4d(images, [n, 8, 8, 1]), tf.tensor1d(classes, 'int32')];
    const net = new Sequential(
      [
        new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu' }),
        new MaxPooling2D({ poolSize: 2 }),
        new Flatten(),
        new Dense({ units: 2 }),
      ],
      { inputShape: [8, 8, 1], seed: 2 },
    ).compile({
      optimizer: new Adam({ learningRate: 0.02 }),
      loss: 'softmaxCrossEntropy',
      metrics: ['accuracy'],
    });
    const counts: number[] = [];
    const history = await net.fit(
      { x, y },
      {
        epochs: 6,
        batchSize: 16,
        callbacks: [{ onEpochEnd: () => void counts.push(tf.memory().numTensors) }],
      },
    );
    console.info(`fit on webgl: loss ${history.epochs.map((e) => e.loss!.toFixed(3))}, tensors ${counts}`);
    expect(new Set(counts).size).toBe(1);
    expect(history.epochs.at(-1)!.loss).toBeLessThan(history.epochs[0]!.loss! / 2);
    const { accuracy } = await net.evaluate({ x, y });
    expect(accuracy).toBeGreaterThan(0.9);
    expect(tf.getBackend()).toBe('webgl');
    tf.dispose([x, y]);
    net.compiled.optimizer.dispose();
    net.dispose();
  });
});
