import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loss, losses } from './losses';
import { confusionMatrix, metrics, topKAccuracy } from './metrics';

const logits = [
  [2, 1, 0.1],
  [0.5, 2.5, -1],
  [1000, 0, -1000], // log-softmax must not overflow
];
const labels = [0, 2, 0];

const value = (t: tf.Scalar) => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

describe('losses', () => {
  it('softmax cross-entropy from logits equals −log softmax by hand, for indices and one-hot rows', () => {
    const expected =
      logits
        .map((row, i) => {
          const max = Math.max(...row);
          const lse = max + Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0));
          return lse - row[labels[i]!]!;
        })
        .reduce((a, b) => a + b, 0) / 3;
    const z = tf.tensor2d(logits);
    const y = tf.tensor1d(labels, 'int32');
    const oneHot = tf.oneHot(y, 3);
    expect(value(losses.softmaxCrossEntropy(y, z))).toBeCloseTo(expected, 4);
    expect(value(losses.softmaxCrossEntropy(oneHot, z))).toBeCloseTo(expected, 4);
    tf.dispose([z, y, oneHot]);
  });

  it('binary cross-entropy (probabilities and logits), MSE and L1 match their formulas', () => {
    const t = [1, 0, 1, 0];
    const z = [2, -1, -0.5, 30];
    // Probabilities away from 0 and 1, where float32 clipping would differ from float64's.
    const p = [2, -1, -0.5, 3].map((v) => 1 / (1 + Math.exp(-v)));
    const bce = (pp: number[]) =>
      -pp.reduce(
        (s, q, i) =>
          s +
          t[i]! * Math.log(Math.min(Math.max(q, 1e-7), 1 - 1e-7)) +
          (1 - t[i]!) * Math.log(1 - Math.min(Math.max(q, 1e-7), 1 - 1e-7)),
        0,
      ) / 4;
    const [tt, pt, zt] = [tf.tensor1d(t), tf.tensor1d(p), tf.tensor1d(z)];
    expect(value(losses.binaryCrossEntropy(tt, pt))).toBeCloseTo(bce(p), 4);
    // From logits nothing is clipped: log(1 + e^30) ≈ 30 exactly.
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const exact =
      -(Math.log(sig(2)) + Math.log(1 - sig(-1)) + Math.log(sig(-0.5)) - 30 - Math.log1p(Math.exp(-30))) / 4;
    expect(value(losses.binaryCrossEntropyFromLogits(tt, zt))).toBeCloseTo(exact, 4);
    expect(value(loss('meanSquaredError')(tt, pt))).toBeCloseTo(
      p.reduce((s, q, i) => s + (q - t[i]!) ** 2, 0) / 4,
      5,
    );
    expect(value(loss('meanAbsoluteError')(tt, pt))).toBeCloseTo(
      p.reduce((s, q, i) => s + Math.abs(q - t[i]!), 0) / 4,
      5,
    );
    tf.dispose([tt, pt, zt]);
    expect(() => loss('hinge' as never)).toThrow(/unknown loss 'hinge'; known: softmaxCrossEntropy/);
  });
});

describe('metrics', () => {
  it('accuracy, top-k accuracy (ties count as in), and the confusion matrix', async () => {
    const scores = tf.tensor2d([
      [0.1, 0.7, 0.2], // true 1: top-1 hit
      [0.5, 0.3, 0.2], // true 2: in top 3 only
      [0.4, 0.4, 0.2], // true 1: tied for first → in top 1 by TensorFlow's rule, argmax picks 0
      [0.2, 0.3, 0.5], // true 0: in top 3 only
    ]);
    const y = tf.tensor1d([1, 2, 1, 0], 'int32');
    expect(value(metrics.accuracy(y, scores))).toBeCloseTo(1 / 4, 6);
    expect(value(topKAccuracy(1)(y, scores))).toBeCloseTo(2 / 4, 6);
    expect(value(topKAccuracy(2)(y, scores))).toBeCloseTo(2 / 4, 6);
    expect(value(topKAccuracy(3)(y, scores))).toBeCloseTo(1, 6);
    expect(await confusionMatrix(y, scores, 3)).toEqual([
      [0, 0, 1],
      [1, 1, 0],
      [1, 0, 0],
    ]);
    tf.dispose([scores, y]);
  });
});
