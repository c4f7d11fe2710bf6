import { expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { auc, faceSet, PEOPLE, SIZE } from '../test/faces';
import { normalizeContrast } from './contrast';
import { EigenFaces } from './eigenfaces';
import { PcaError } from './errors';

const data = faceSet(1);
afterAll(() => data.dispose());

const values = (t: tf.Tensor) => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

describe('EigenFaces', () => {
  it('distance from face space separates held-out faces from non-faces (seed Figure 4)', async () => {
    const model = EigenFaces.fit(data.train, { k: 10, labels: data.trainLabels });
    const faces = await expectNoLeaks(() => values(model.distanceFromFaceSpace(data.test)));
    const strangers = values(model.distanceFromFaceSpace(data.strangers));
    const nonFaces = values(model.distanceFromFaceSpace(data.nonFaces));
    // Faces never seen, of known people and of strangers, against 60 textures.
    expect(auc([...faces, ...strangers], nonFaces)).toBeGreaterThan(0.99);
    expect(median(nonFaces)).toBeGreaterThan(1.5 * Math.max(median(faces), median(strangers)));
    model.dispose();
  });

  it('identifies held-out images of known people far above chance, and calls non-faces unknown', async () => {
    const model = EigenFaces.fit(data.train, { k: 20, labels: data.trainLabels });
    expect(model.labels).toEqual(Array.from({ length: PEOPLE }, (_, i) => i));
    const found = await expectNoLeaks(() => model.identify(data.test));
    const accuracy = found.filter((r, i) => r.label === data.testLabels[i]).length / found.length;
    expect(accuracy).toBeGreaterThan(0.75); // chance: 1/15
    // The calibrated threshold (0.95 quantile of leave-one-out distances) lets most known faces through…
    const unknown = (r: { label: number | 'unknown' }[]) =>
      r.filter((x) => x.label === 'unknown').length / r.length;
    expect(unknown(found)).toBeLessThan(0.1);
    // …and turns most textures away; strangers sit farther from the known people than they do.
    expect(unknown(model.identify(data.nonFaces))).toBeGreaterThan(0.8);
    // One image [h, w, 1] is a batch of one.
    const one = tf.reshape(tf.slice(data.test, [5], [1]), [SIZE, SIZE, 1]);
    expect(model.identify(one)).toEqual([found[5]]);
    one.dispose();
    const strangers = model.identify(data.strangers);
    expect(median(strangers.map((r) => r.distance))).toBeGreaterThan(median(found.map((r) => r.distance)));
    // Distances are those to the nearest mean of the coordinates of each person's training images.
    const codes = model.project(data.train).arraySync();
    const mean = (p: number) => {
      const rows = codes.filter((_, i) => data.trainLabels[i] === p);
      return rows[0]!.map((_, j) => rows.reduce((a, r) => a + r[j]!, 0) / rows.length);
    };
    const means = model.labels.map(mean);
    const testCodes = model.project(data.test).arraySync();
    for (const [i, r] of found.slice(0, 10).entries()) {
      const d = means.map((m) => Math.hypot(...m.map((v, j) => v - testCodes[i]![j]!)));
      expect(r.distance).toBeCloseTo(Math.min(...d), 3);
      expect(r.nearest).toBe(d.indexOf(Math.min(...d)));
    }
    model.dispose();
  });

  it('calibrates the threshold as a quantile of leave-one-out distances, or takes one', () => {
    const loo = EigenFaces.fit(data.train, { k: 5, labels: data.trainLabels, thresholdQuantile: 1 });
    // Reference: the largest distance of an image to the mean of its person's other images.
    const codes = loo.project(data.train).arraySync();
    let largest = 0;
    for (const [i, c] of codes.entries()) {
      const others = codes.filter((_, j) => j !== i && data.trainLabels[j] === data.trainLabels[i]);
      const m = c.map((_, j) => others.reduce((a, r) => a + r[j]!, 0) / others.length);
      largest = Math.max(largest, Math.hypot(...c.map((v, j) => v - m[j]!)));
    }
    expect(loo.threshold).toBeCloseTo(largest, 3);
    const fixed = EigenFaces.fit(data.train, { k: 5, labels: data.trainLabels, threshold: 1e-3 });
    expect(fixed.identify(data.test).every((r) => r.label === 'unknown')).toBe(true);
    const unlabelled = EigenFaces.fit(data.train, { k: 5 });
    expect(unlabelled.threshold).toBe(Infinity);
    expect(() => unlabelled.identify(data.test)).toThrow(
      /identify: the model knows no people: fit it with labels/,
    );
    for (const m of [loo, fixed, unlabelled]) m.dispose();
  });

  it('normalises contrast: brightness and contrast changes do not move an image in face space', () => {
    const model = EigenFaces.fit(data.train, { k: 8 });
    const changed = tf.tidy(() => tf.add(tf.mul(data.test, 0.5), 0.3));
    const [a, b] = [model.project(data.test), model.project(changed)];
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-3);
    // The model's PCA is that of the normalised faces: its mean face has zero mean.
    expect(Math.abs(tf.mean(model.pca.mean).dataSync()[0]!)).toBeLessThan(1e-6);
    const raw = EigenFaces.fit(data.train, { k: 8, normalize: false });
    const [c, d] = [raw.project(data.test), raw.project(changed)];
    expect(tf.max(tf.abs(tf.sub(c, d))).dataSync()[0]).toBeGreaterThan(0.1);
    tf.dispose([a, b, c, d, changed]);
    model.dispose();
    raw.dispose();
  });

  it('reconstructs faces better with more eigenfaces, exactly at full rank, in the images’ own brightness', async () => {
    const few = tf.slice(data.train, [0], [12]) as tf.Tensor4D;
    const model = EigenFaces.fit(data.train, { k: 40 });
    const errors = [];
    for (const k of [0, 5, 20, 40]) {
      const back = await expectNoLeaks(() => model.reconstruct(data.test, { k }));
      expect(back.shape).toEqual(data.test.shape);
      errors.push(tf.tidy(() => tf.norm(tf.sub(back, data.test)).dataSync()[0]!));
      back.dispose();
    }
    for (let i = 1; i < errors.length; i++) expect(errors[i]).toBeLessThan(errors[i - 1]!);
    // k = n − 1 spans the centred training set: its own images come back (rows in, rows out).
    const exact = EigenFaces.fit(few, { k: 11 });
    const rows = tf.reshape(few, [12, SIZE * SIZE]);
    const back = exact.reconstruct(rows);
    expect(back.shape).toEqual([12, SIZE * SIZE]);
    expect(tf.max(tf.abs(tf.sub(back, rows))).dataSync()[0]).toBeLessThan(1e-4);
    // The distance from face space is the norm of the normalised image's residual.
    const d = values(model.distanceFromFaceSpace(data.test));
    const norm = normalizeContrast(tf.reshape(data.test, [-1, SIZE * SIZE]) as tf.Tensor2D);
    const full = model.reconstruct(tf.reshape(norm.x, [-1, SIZE, SIZE, 1]));
    const residual = values(
      tf.norm(
        tf.sub(tf.reshape(norm.x, [-1, SIZE * SIZE]), tf.reshape(full, [-1, SIZE * SIZE])),
        'euclidean',
        1,
      ),
    );
    // (reconstruct undoes the normalisation, which is the identity on an already normalised image)
    for (const [i, r] of residual.entries()) expect(d[i]).toBeCloseTo(r, 3);
    tf.dispose([few, rows, back, full, norm.x, norm.mean, norm.scale]);
    model.dispose();
    exact.dispose();
  });

  it('takes rows [n, d] with an image shape, and says what is wrong with bad input', () => {
    const rows = tf.reshape(data.train, [-1, SIZE * SIZE]);
    const model = EigenFaces.fit(rows, { k: 4, imageShape: [SIZE, SIZE] });
    expect(model.imageShape).toEqual([SIZE, SIZE]);
    const bad = (fn: () => unknown, message: RegExp) => {
      expect(fn).toThrow(PcaError);
      expect(fn).toThrow(message);
    };
    const z = [
      tf.zeros([4, 5]),
      tf.zeros([3, 4, 4, 3]),
      tf.zeros([3, 4, 4]),
      tf.zeros([2, 20, 24, 1]),
      tf.zeros([2, 24, 24, 1], 'bool'),
    ];
    const before = tf.memory().numTensors;
    bad(() => EigenFaces.fit(z[0]!, { k: 2 }), /rows of 5 features are not square images: give imageShape/);
    bad(
      () => EigenFaces.fit(rows, { k: 2, imageShape: [10, 10] }),
      /imageShape \[h, w\] must multiply to the 576 features/,
    );
    bad(() => EigenFaces.fit(data.train, { k: 0 }), /k must be an integer in \[1, 120\]/);
    bad(
      () => EigenFaces.fit(z[1]!, { k: 1 }),
      /expected grayscale faces \[n, h, w, 1\], got shape \[3, 4, 4, 3\]/,
    );
    bad(
      () => EigenFaces.fit(z[2]!, { k: 1 }),
      /expected faces \[n, h, w, 1\] or rows \[n, h·w\], got shape \[3, 4, 4\]/,
    );
    bad(() => EigenFaces.fit(data.train, { k: 2, solver: 'lapack' as never }), /PCA: solver must be one of/);
    bad(() => EigenFaces.fit(data.train, undefined as never), /k must be an integer in \[1, 120\]/);
    bad(
      () => EigenFaces.fit(data.train, { k: 2, labels: [1, 2] }),
      /labels must be 120 integers \(one per image\), got 2 values/,
    );
    bad(
      () => EigenFaces.fit(data.train, { k: 2, labels: data.trainLabels, thresholdQuantile: 0 }),
      /thresholdQuantile must be in \(0, 1\]/,
    );
    bad(
      () => model.project(z[3]!),
      /project: expected images \[n, 24, 24, 1\], one image \[24, 24, 1\] or rows \[n, 576\], got shape \[2, 20, 24, 1\]/,
    );
    bad(() => model.reconstruct(data.test, { k: 5 }), /reconstruct: k must be an integer in \[0, 4\], got 5/);
    bad(() => model.distanceFromFaceSpace(z[4]!), /expected a float32 \(or int32\) tensor, got bool/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...z, rows]);
    model.dispose();
    bad(() => model.project(data.test), /project: the EigenFaces model is disposed/);
  });
});
