import { expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { decodePredictions } from './decode_predictions';
import { PreprocessError } from './errors';
import { IMAGENET_CLASSES } from './imagenet_classes';
import { preprocessInput } from './preprocess';

// One 1×1×2 image of two pixels with known RGB values, worked by hand per mode.
const PIXELS = [
  [10, 200, 30],
  [255, 0, 128],
];
const image = () => tf.tensor4d(PIXELS.flat(), [1, 1, 2, 3]);

describe('preprocessInput', () => {
  it('caffe: RGB → BGR, minus the BGR mean, as keras.applications.vgg16.preprocess_input', async () => {
    const x = image();
    const y = await expectNoLeaks(() => preprocessInput(x, 'caffe'));
    const mean = [103.939, 116.779, 123.68];
    const expected = PIXELS.flatMap(([r, g, b]) => [b! - mean[0]!, g! - mean[1]!, r! - mean[2]!]);
    // float32 arithmetic: the exact difference of float32 operands, rounded once.
    const f32 = PIXELS.flatMap(([r, g, b]) =>
      [b!, g!, r!].map((v, c) => Math.fround(v - Math.fround(mean[c]!))),
    );
    expect(Array.from(y.dataSync())).toEqual(f32);
    // Images in [0, 1] (inputMax 1) give the same result as the same images in 0…255.
    const unit = tf.div(x, 255);
    const y1 = preprocessInput(unit, 'caffe', { inputMax: 1 });
    Array.from(y1.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 3);
    });
    tf.dispose([x, y, unit, y1]);
  });

  it('torch: x/255, minus mean, over std, per RGB channel', () => {
    const x = image();
    const y = preprocessInput(x, 'torch');
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const expected = PIXELS.flatMap((p) => p.map((v, c) => (v / 255 - mean[c]!) / std[c]!));
    Array.from(y.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 5);
    });
    tf.dispose([x, y]);
  });

  it('tf: 0…255 onto [−1, 1]', () => {
    const x = tf.tensor4d([0, 127.5, 255, 51], [1, 2, 2, 1]);
    const y = preprocessInput(x, 'tf');
    expect(Array.from(y.dataSync())).toEqual([-1, 0, 1, -0.6].map(Math.fround));
    tf.dispose([x, y]);
  });

  it('refuses images without three channels, and an unknown mode', () => {
    const gray = tf.zeros([1, 2, 2, 1]);
    expect(() => preprocessInput(gray, 'caffe')).toThrow(PreprocessError);
    expect(() => preprocessInput(gray, 'torch')).toThrow(
      /takes RGB images \[\.\.\., height, width, 3\], got shape \[1, 2, 2, 1\]/,
    );
    const rgb = tf.zeros([1, 2, 2, 3]);
    expect(() => preprocessInput(rgb, 'bgr' as 'tf')).toThrow(/mode must be 'caffe', 'torch' or 'tf'/);
    expect(() => preprocessInput(rgb, 'tf', { inputMax: 0 })).toThrow(/inputMax must be a positive number/);
    tf.dispose([gray, rgb]);
  });
});

describe('ImageNet classes and decodePredictions', () => {
  it('hold the 1000 ILSVRC-2012 labels in the classifiers’ order', () => {
    expect(IMAGENET_CLASSES.length).toBe(1000);
    // One name twice, as in ImageNet itself: 'crane' the bird (134) and the machine (517).
    expect(new Set(IMAGENET_CLASSES).size).toBe(999);
    expect([IMAGENET_CLASSES[134], IMAGENET_CLASSES[517]]).toEqual(['crane', 'crane']);
    // Well-known indices (Keras' imagenet_class_index.json): 0 tench, 1 goldfish, 281 tabby, 999 toilet tissue.
    expect(IMAGENET_CLASSES[0]).toMatch(/^tench/);
    expect(IMAGENET_CLASSES[1]).toMatch(/^goldfish/);
    expect(IMAGENET_CLASSES[281]).toMatch(/^tabby/);
    expect(IMAGENET_CLASSES[999]).toMatch(/^toilet tissue/);
  });

  it('ranks the top k by softmax probability, per image', async () => {
    const logits = tf.tidy(() => {
      const base = tf.fill([2, 1000], -10).arraySync() as number[][];
      base[0]![281] = 5;
      base[0]![282] = 4;
      base[0]![7] = 3;
      base[1]![999] = 2;
      return tf.tensor2d(base);
    });
    const out = await expectNoLeaks(() => decodePredictions(logits, 3));
    // Softmax by hand: e^5 / (e^5 + e^4 + e^3 + 997 e^-10).
    const z = Math.exp(5) + Math.exp(4) + Math.exp(3) + 997 * Math.exp(-10);
    expect(out[0]!.map((p) => p.index)).toEqual([281, 282, 7]);
    expect(out[0]![0]!.label).toBe(IMAGENET_CLASSES[281]);
    expect(out[0]![0]!.probability).toBeCloseTo(Math.exp(5) / z, 5);
    expect(out[0]![2]!.probability).toBeCloseTo(Math.exp(3) / z, 5);
    expect(out[1]![0]!.index).toBe(999);
    const probs = tf.tensor1d([0.1, 0.7, 0.2]);
    expect(await decodePredictions(probs, 2, { probabilities: true, labels: ['a', 'b', 'c'] })).toEqual([
      [
        { index: 1, label: 'b', probability: Math.fround(0.7) },
        { index: 2, label: 'c', probability: Math.fround(0.2) },
      ],
    ]);
    await expect(decodePredictions(probs, 2)).rejects.toThrow(/3 classes but there are 1000 labels/);
    await expect(decodePredictions(logits, 0)).rejects.toThrow(PreprocessError);
    tf.dispose([logits, probs]);
  });
});
