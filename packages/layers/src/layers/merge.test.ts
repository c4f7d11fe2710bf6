import { expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gradientCheck } from '../gradient_check';
import type { Layer } from '../layer';
import { Add, Average, Concatenate } from './merge';

const inputs = (n: number, shape: number[]) =>
  Array.from({ length: n }, (_, k) => tf.randomNormal(shape, 0, 1, 'float32', k + 1));

async function applyChecked(layer: Layer, xs: tf.Tensor[]): Promise<tf.Tensor> {
  const y = await expectNoLeaks(() => layer.apply(xs));
  expect(layer.computeOutputShape(xs.map((x) => [null, ...x.shape.slice(1)]))).toEqual([
    null,
    ...y.shape.slice(1),
  ]);
  return y;
}

describe('Add and Average', () => {
  for (const n of [2, 3]) {
    it(`sum and mean of ${n} inputs against a loop, with gradients`, async () => {
      const xs = inputs(n, [2, 2, 2, 3]);
      const values = xs.map((x) => x.dataSync());
      const sum = Array.from(values[0]!, (_, i) => values.reduce((a, v) => a + v[i]!, 0));
      const add = new Add();
      const average = new Average();
      const y = await applyChecked(add, xs);
      const m = await applyChecked(average, xs);
      Array.from(y.dataSync()).forEach((v, i) => {
        expect(v).toBeCloseTo(sum[i]!, 5);
      });
      Array.from(m.dataSync()).forEach((v, i) => {
        expect(v).toBeCloseTo(sum[i]! / n, 5);
      });
      expect(gradientCheck(add, xs).maxRelativeError).toBeLessThan(1e-2);
      expect(gradientCheck(average, xs).maxRelativeError).toBeLessThan(1e-2);
      tf.dispose([...xs, y, m]);
    });
  }

  it('passes one input through', () => {
    const x = tf.ones([1, 2]);
    expect(new Average().apply([x])).toBe(x);
    x.dispose();
  });

  it('lists the shapes when they differ; unknown sizes fit any', () => {
    const add = new Add({ name: 'res' });
    expect(() =>
      add.computeOutputShape([
        [null, 8, 8, 16],
        [null, 8, 8, 32],
      ]),
    ).toThrow('res: adds inputs of one shape, got [null, 8, 8, 16], [null, 8, 8, 32]');
    expect(() =>
      new Average({ name: 'join' }).computeOutputShape([
        [null, 4],
        [null, 4, 1],
      ]),
    ).toThrow('join: averages inputs of one shape, got [null, 4], [null, 4, 1]');
    expect(
      add.computeOutputShape([
        [null, null, 8],
        [null, 5, 8],
      ]),
    ).toEqual([null, 5, 8]);
    expect(() => add.computeOutputShape([])).toThrow('res: takes a list of at least one input, got none');
  });
});

describe('Concatenate', () => {
  it('joins channels (default) and another axis, against a loop, with gradients', async () => {
    const a = tf.randomNormal([2, 2, 2, 1], 0, 1, 'float32', 1);
    const b = tf.randomNormal([2, 2, 2, 3], 0, 1, 'float32', 2);
    const layer = new Concatenate();
    const y = await applyChecked(layer, [a, b]);
    expect(y.shape).toEqual([2, 2, 2, 4]);
    const [av, bv, yv] = [a.dataSync(), b.dataSync(), y.dataSync()];
    for (let p = 0; p < 8; p++) {
      expect(yv[p * 4]).toBe(av[p]);
      for (let c = 0; c < 3; c++) expect(yv[p * 4 + 1 + c]).toBe(bv[p * 3 + c]);
    }
    expect(gradientCheck(layer, [a, b]).maxRelativeError).toBeLessThan(1e-2);

    const rows = new Concatenate({ axis: 1 });
    const c = tf.randomNormal([2, 3, 2, 1], 0, 1, 'float32', 3);
    const z = await applyChecked(rows, [a, c]);
    expect(z.shape).toEqual([2, 5, 2, 1]);
    // Rows 2–4 of the first example are c's first example.
    const [zPart, cPart] = [tf.slice(z, [0, 2, 0, 0], [1, 3, 2, 1]), tf.slice(c, [0, 0, 0, 0], [1, 3, 2, 1])];
    expect(Array.from(zPart.dataSync())).toEqual(Array.from(cPart.dataSync()));
    tf.dispose([zPart, cPart]);
    tf.dispose([a, b, c, y, z]);
  });

  it('lists the shapes when the other axes differ', () => {
    const layer = new Concatenate({ name: 'inception' });
    expect(() =>
      layer.computeOutputShape([
        [null, 28, 28, 64],
        [null, 14, 14, 32],
      ]),
    ).toThrow(
      'inception: concatenates along axis -1 inputs that match on every other axis, got [null, 28, 28, 64], [null, 14, 14, 32]',
    );
    expect(() =>
      new Concatenate({ name: 'c', axis: 3 }).computeOutputShape([
        [null, 4],
        [null, 4],
      ]),
    ).toThrow('c: axis 3 is out of range for inputs of rank 2: [null, 4], [null, 4]');
    expect(
      layer.computeOutputShape([
        [null, null, 7, 2],
        [null, 7, null, 3],
      ]),
    ).toEqual([null, 7, 7, 5]);
    expect(
      layer.computeOutputShape([
        [null, 7, 7, null],
        [null, 7, 7, 3],
      ]),
    ).toEqual([null, 7, 7, null]);
    expect(new Concatenate({ name: 'k', axis: 1 }).getConfig()).toEqual({
      name: 'k',
      trainable: true,
      axis: 1,
    });
  });
});
