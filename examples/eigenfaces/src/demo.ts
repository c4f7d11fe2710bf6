import {
  EigenFaces,
  eigenfacePictures,
  imageGrid,
  nonFacePatches,
  type Picture,
  syntheticFaces,
  syntheticScene,
} from '@cnn/pca';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The eigenfaces of seed 001 end to end on synthetic faces: fit, then each of Turk and Pentland's uses —
 * is it a face (distance from face space), who is it (nearest person), what is behind the occluder (least
 * squares on the visible pixels), where are the faces in a larger image (`locate`), where does a face go
 * (`track`) — each with a figure, and the pictures to look at.
 */

export interface DemoOptions {
  /** People known to the model (default 20) and images of each to fit (default 8; 4 more are held out). */
  people?: number;
  perPerson?: number;
  /** Eigenfaces (default 20). */
  k?: number;
  /** Side of the scene `locate` searches (default 256), at scales 1, 1.5 and 2. */
  sceneSize?: number;
  seed?: number;
}

export interface DemoResult {
  /** Median distance from face space of held-out faces, of non-face patches; share of faces below every patch. */
  distance: { faces: number; nonFaces: number; facesBelowAllPatches: number };
  /** Share of held-out images identified as their person; chance. */
  identification: { accuracy: number; chance: number; unknown: number };
  /** RMS error on the hidden pixels: least squares on the visible ones, projection of the masked image. */
  occlusion: { leastSquares: number; projection: number };
  /** The faces pasted in the scene, the boxes found, and the seconds `locate` took. */
  locate: {
    truth: { x: number; y: number; size: number }[];
    found: { x: number; y: number; size: number; distance: number }[];
    seconds: number;
  };
  /** Largest distance in pixels between the tracked box and the face, over the frames. */
  trackError: number;
  /** The pictures by name; the caller disposes them. */
  pictures: Record<string, Picture>;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const read = (t: tf.Tensor) => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

/** Runs the demo; everything it makes is disposed but the pictures it returns. */
export function eigenfacesDemo(options: DemoOptions = {}): DemoResult {
  const { people = 20, perPerson = 8, k = 20, sceneSize = 256, seed = 1 } = options;
  const held = 4;
  const all = syntheticFaces({ people, perPerson: perPerson + held, size: 24, seed });
  const split = (from: number, count: number) =>
    Array.from(
      { length: people * count },
      (_, i) => Math.floor(i / count) * (perPerson + held) + from + (i % count),
    );
  const [trainIndex, testIndex] = [split(0, perPerson), split(perPerson, held)];
  const train = tf.gather(all.images, trainIndex);
  const test = tf.gather(all.images, testIndex);
  const testLabels = testIndex.map((i) => all.labels[i]!);
  const model = EigenFaces.fit(train, { k, labels: trainIndex.map((i) => all.labels[i]!) });

  const patches = nonFacePatches({ count: 100, size: 24, seed: seed + 1 });
  const [dFaces, dPatches] = [
    read(model.distanceFromFaceSpace(test)),
    read(model.distanceFromFaceSpace(patches)),
  ];
  const lowestPatch = Math.min(...dPatches);

  const who = model.identify(test);
  const identification = {
    accuracy: who.filter((r, i) => r.label === testLabels[i]).length / who.length,
    chance: 1 / people,
    unknown: who.filter((r) => r.label === 'unknown').length / who.length,
  };

  // Sunglasses: rows 6–11 of every held-out face painted black.
  const mask = tf.tidy(() => {
    const rows = tf.range(0, 24);
    const visible = tf.logicalNot(tf.logicalAnd(tf.greaterEqual(rows, 6), tf.less(rows, 12)));
    return tf.tile(tf.reshape(tf.cast(visible, 'float32'), [1, 24, 1, 1]), [1, 1, 24, 1]);
  });
  const occluded = tf.mul(test, mask);
  const filled = model.reconstructOccluded(occluded, mask);
  const projected = model.reconstruct(occluded);
  const hiddenRms = (x: tf.Tensor) =>
    tf.tidy(() =>
      Math.sqrt(
        tf.sum(tf.square(tf.mul(tf.sub(x, test), tf.sub(1, mask)))).dataSync()[0]! /
          (test.shape[0]! * 6 * 24),
      ),
    );
  const occlusion = { leastSquares: hiddenRms(filled), projection: hiddenRms(projected) };

  const s = sceneSize;
  const truth = [
    { x: Math.round(s * 0.1), y: Math.round(s * 0.15), size: 24, person: 0 },
    { x: Math.round(s * 0.55), y: Math.round(s * 0.1), size: 36, person: 7 },
    { x: Math.round(s * 0.3), y: Math.round(s * 0.55), size: 48, person: 900 },
  ].filter((f) => f.x + f.size <= s && f.y + f.size <= s);
  const scene = syntheticScene({ height: s, width: s, faces: truth, seed });
  const start = performance.now();
  const located = model.locate(scene.image, { scales: [1, 1.5, 2], maxBoxes: truth.length });
  const seconds = (performance.now() - start) / 1000;

  // A face walking across one background, a stranger standing by.
  const path = Array.from({ length: 10 }, (_, t) => ({
    x: 10 + 6 * t,
    y: Math.round(40 + 12 * Math.sin(t / 3)),
  }));
  const shots = path.map(
    (p) =>
      syntheticScene({
        height: 96,
        width: 128,
        faces: [
          { ...p, size: 24, person: 3 },
          { x: 96, y: 8, size: 24, person: 800 },
        ],
        seed,
      }).image,
  );
  const frames = tf.concat(shots);
  tf.dispose(shots);
  const tracked = model.track(frames, { radius: 8, start: { ...path[0]!, width: 24, height: 24 } });
  const trackError = Math.max(...tracked.map((b, t) => Math.hypot(b.x - path[t]!.x, b.y - path[t]!.y)));

  const pictures: Record<string, Picture> = {
    ...eigenfacePictures(model, { faces: test, located, scene: scene.image }),
  } as Record<string, Picture>;
  // Rows: the truth, with sunglasses, the projection of that, least squares on the visible pixels.
  pictures.occlusion = tf.tidy(() =>
    imageGrid(
      tf.concat([test, occluded, projected, filled].map((x) => tf.slice(x, [0, 0, 0, 0], [8, 24, 24, 1]))),
      { columns: 8 },
    ),
  );

  const result: DemoResult = {
    distance: {
      faces: median(dFaces),
      nonFaces: median(dPatches),
      facesBelowAllPatches: dFaces.filter((d) => d < lowestPatch).length / dFaces.length,
    },
    identification,
    occlusion,
    locate: {
      truth: truth.map(({ x, y, size }) => ({ x, y, size })),
      found: located.boxes.map((b) => ({ x: b.x, y: b.y, size: b.width, distance: b.distance })),
      seconds,
    },
    trackError,
    pictures,
  };
  tf.dispose([
    all.images,
    train,
    test,
    patches,
    mask,
    occluded,
    filled,
    projected,
    scene.image,
    frames,
    ...located.maps.map((m) => m.map),
  ]);
  model.dispose();
  return result;
}
