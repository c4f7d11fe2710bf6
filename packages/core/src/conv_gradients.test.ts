import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Case, CONV, convOf, DEPTHWISE, expectClose, inputs, reference } from '../test/conv_cases';
import {
  conv2dFilterGradient,
  conv2dInputGradient,
  depthwiseFilterGradient,
  depthwiseInputGradient,
} from './conv_gradients';
import { expectNoLeaks } from './leak';
import { Rng } from './random';

// Each case runs on this file's backend (cpu or wasm: one vitest project each) against the float64 reference.
const backend = tf.getBackend();

describe.each([
  ['conv2d', false, CONV],
  ['depthwiseConv2d', true, DEPTHWISE],
] as const)(`%s gradients on ${backend}`, (op, depthwise, cases) => {
  let kept: tf.Tensor[] = [];
  afterEach(() => {
    tf.dispose(kept);
    kept = [];
  });

  it.each(cases)('tf.grads matches the float64 reference: $name', async (c) => {
    const { x, f, r } = inputs(c, depthwise, 1);
    kept.push(x, f, r);
    const expected = reference(c, depthwise, x, f, r);
    const conv = convOf(c, depthwise);
    const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), r));
    const [dx, df] = await expectNoLeaks(() => tf.grads(loss)([x, f]));
    kept.push(dx!, df!);
    expectClose(dx!, expected.dx);
    expectClose(df!, expected.df);
  });

  it.each(cases)(`${op}'s composite gradient functions match the reference: $name`, async (c) => {
    const { x, f, r } = inputs(c, depthwise, 1);
    kept.push(x, f, r);
    const expected = reference(c, depthwise, x, f, r);
    const [dx, df] = await expectNoLeaks(() =>
      depthwise
        ? [depthwiseInputGradient(c.x, r, f, c), depthwiseFilterGradient(x, r, c.filter, c)]
        : [conv2dInputGradient(c.x, r, f, c), conv2dFilterGradient(x, r, c.filter, c)],
    );
    kept.push(dx, df);
    expectClose(dx, expected.dx);
    expectClose(df, expected.df);
  });
});

describe(`a dilated conv2d's gradient on ${backend}`, () => {
  it('matches central finite differences (exact for a bilinear loss, up to float32 rounding)', () => {
    const c: Case = {
      name: 'fd',
      x: [1, 6, 7, 2],
      filter: [3, 2, 2, 2],
      strides: 1,
      pad: 'same',
      dilations: [2, 2],
    };
    const rng = new Rng(5);
    const x = rng.randomNormal(c.x) as tf.Tensor4D;
    const f = rng.randomNormal(c.filter) as tf.Tensor4D;
    const r = rng.randomNormal([1, 6, 7, 2]) as tf.Tensor4D;
    const conv = convOf(c, false);
    const loss = (a: tf.Tensor4D, b: tf.Tensor4D): tf.Scalar => tf.sum(tf.mul(conv(a, b), r));
    const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a as tf.Tensor4D, b as tf.Tensor4D))([
      x,
      f,
    ]);
    // (L(v + h) − L(v − h)) / 2h at one entry, h = 0.5.
    const numeric = (t: tf.Tensor4D, i: number, at: (p: tf.Tensor4D) => tf.Scalar) =>
      tf.tidy(() => {
        const values = t.dataSync().slice();
        values[i]! += 0.5;
        const plus = at(tf.tensor4d(values, t.shape)).dataSync()[0]!;
        values[i]! -= 1;
        return plus - at(tf.tensor4d(values, t.shape)).dataSync()[0]!;
      });
    for (const i of [0, 5, 17, 40, 83]) {
      expect(dx!.dataSync()[i]).toBeCloseTo(
        numeric(x, i, (p) => loss(p, f)),
        3,
      );
    }
    for (const i of [0, 7, 13, 23]) {
      expect(df!.dataSync()[i]).toBeCloseTo(
        numeric(f, i, (p) => loss(x, p)),
        3,
      );
    }
    tf.dispose([x, f, r, dx!, df!]);
  });
});
