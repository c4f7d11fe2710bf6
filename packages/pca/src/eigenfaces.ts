import * as tf from '@tensorflow/tfjs-core';
import type { Solver } from './components';
import { normalizeContrast } from './contrast';
import { type EigenFacesJSON, readEigenFaces, writeEigenFaces } from './eigenfaces_json';
import { PcaError } from './errors';
import { type FaceSpace, toRows, toScene } from './face_space';
import { shapeText } from './input';
import { type Detection, type Located, type LocateOptions, locate } from './locate';
import { maskRows, reconstructOccluded } from './occlusion';
import { PCA } from './pca';
import { calibrate, checkLabels, type Identification, nearestPeople } from './people';
import { type TrackOptions, track } from './track';

/** Options of {@link EigenFaces.fit}. */
export interface EigenFacesOptions {
  /** Eigenfaces to keep (Turk & Pentland's M′), 1 ≤ k ≤ min(n, h·w). */
  k: number;
  /** The person of each image (integers): enables `identify`. */
  labels?: ArrayLike<number>;
  /** Normalise each image to zero mean and unit standard deviation first (default true, as the paper). */
  normalize?: boolean;
  /** Height and width of the faces when they come flattened [n, d] (default: square, √d). */
  imageShape?: readonly [number, number];
  /** The PCA solver (default 'auto'). */
  solver?: Solver;
  /** `identify`'s threshold instead of the calibrated one. */
  threshold?: number;
  /**
   * Calibration: the threshold is this quantile of the training images' leave-one-out distances to their
   * person's mean (default 0.95; 1 takes the largest).
   */
  thresholdQuantile?: number;
}

/**
 * Eigenfaces (Turk & Pentland 1991): the principal components of aligned face images, and their four
 * uses — how far an image is from face space (is it a face?), who it is (nearest person in face space),
 * where faces are in a larger image (the distance map over every window, by convolutions), and what an
 * occluded face looks like (least squares on the visible pixels). Grayscale faces [n, h, w, 1] or rows
 * [n, h·w]. Tensors returned are the caller's to dispose; `dispose()` frees the model's.
 *
 * @example
 * ```ts
 * const { images, labels } = syntheticFaces({ people: 20, perPerson: 8, seed: 1 });
 * const model = EigenFaces.fit(images, { k: 20, labels });
 * model.distanceFromFaceSpace(images).print();  // small: faces
 * console.log(model.identify(images)[0]);       // { label: 0, nearest: 0, distance: … }
 * ```
 */
export class EigenFaces {
  #space: FaceSpace | undefined;

  private constructor(space: FaceSpace) {
    this.#space = space;
  }

  /**
   * Fits eigenfaces to `faces` ([n, h, w, 1], or [n, h·w] with `imageShape`), each contrast-normalised
   * first unless `normalize: false`. With `labels`, the people's means in face space and `identify`'s
   * threshold: the `thresholdQuantile` (0.95) of the training images' leave-one-out distances to their
   * person's mean (the mean of that person's other images), unless `threshold` is given.
   *
   * @example
   * ```ts
   * const model = EigenFaces.fit(faces, { k: 16, labels, normalize: true });
   * ```
   */
  static fit(faces: tf.Tensor, options: EigenFacesOptions): EigenFaces {
    options = options ?? ({} as EigenFacesOptions); // a missing options object reads as empty: "k must be…"
    const { k, normalize = true, solver = 'auto' } = options;
    if (!(faces instanceof tf.Tensor) || faces.isDisposed || (faces.rank !== 4 && faces.rank !== 2)) {
      const got = faces instanceof tf.Tensor ? `shape ${shapeText(faces.shape)}` : typeof faces;
      throw new PcaError(`EigenFaces.fit: expected faces [n, h, w, 1] or rows [n, h·w], got ${got}`);
    }
    const [height, width] = imageShape(faces, options.imageShape);
    const n = faces.shape[0]!;
    if (!Number.isInteger(k) || k < 1 || k > Math.min(n, height * width)) {
      throw new PcaError(
        `EigenFaces.fit: k must be an integer in [1, ${Math.min(n, height * width)}] (min of images and pixels), got ${String(k)}`,
      );
    }
    const labels = options.labels === undefined ? undefined : checkLabels(options.labels, n);
    const quantile = options.thresholdQuantile ?? 0.95;
    if (!(quantile > 0 && quantile <= 1)) {
      throw new PcaError(`EigenFaces.fit: thresholdQuantile must be in (0, 1], got ${String(quantile)}`);
    }
    if (options.threshold !== undefined && !(options.threshold > 0)) {
      throw new PcaError(`EigenFaces.fit: threshold must be > 0, got ${String(options.threshold)}`);
    }
    const pca = new PCA({ nComponents: k, solver });
    const { rows } = toRows('EigenFaces.fit', faces, height, width);
    const x = normalize ? normalizeContrast(rows) : undefined;
    try {
      const data = x?.x ?? rows;
      pca.fit(data);
      const space: FaceSpace = {
        pca,
        normalize,
        height,
        width,
        people: undefined,
        threshold: options.threshold ?? Infinity,
      };
      if (labels !== undefined) {
        const codes = pca.transform(data);
        const people = calibrate(codes, labels, quantile);
        codes.dispose();
        space.people = { labels: people.labels, means: people.means };
        space.threshold = options.threshold ?? people.threshold;
      }
      return new EigenFaces(space);
    } catch (error) {
      pca.dispose();
      throw error;
    } finally {
      tf.dispose([rows, ...(x ? [x.x, x.mean, x.scale] : [])]);
    }
  }

  /**
   * Coordinates of `images` in face space (the weights ω of each eigenface), [n, k].
   *
   * @example
   * ```ts
   * const omega = model.project(faces);   // [n, k]
   * ```
   */
  project(images: tf.Tensor): tf.Tensor2D {
    const space = this.#fitted('project');
    const rows = this.#rows('project', images);
    try {
      return space.pca.transform(rows.x);
    } finally {
      rows.dispose();
    }
  }

  /**
   * `images` rebuilt from their first `k` eigenfaces (default all the model's), in the images' own shape
   * and brightness (the contrast normalisation undone).
   *
   * @example
   * ```ts
   * const approx = model.reconstruct(faces, { k: 5 });
   * ```
   */
  reconstruct(images: tf.Tensor, options: { k?: number } = {}): tf.Tensor {
    const space = this.#fitted('reconstruct');
    const kMax = space.pca.nComponentsFitted;
    const k = options.k ?? kMax;
    if (!Number.isInteger(k) || k < 0 || k > kMax)
      throw new PcaError(`reconstruct: k must be an integer in [0, ${kMax}], got ${String(k)}`);
    const rows = this.#rows('reconstruct', images);
    try {
      return tf.tidy(() => {
        const u = tf.slice(space.pca.components, [0, 0], [k, -1]);
        const r = tf.sub(rows.x, space.pca.mean);
        const back = tf.add(tf.matMul(tf.matMul(r, u, false, true), u), space.pca.mean);
        return tf.reshape(tf.add(tf.mul(back, rows.scale), rows.mean), rows.shape);
      });
    } finally {
      rows.dispose();
    }
  }

  /**
   * Distance from face space of each image, [n]: ‖x̃ − μ − UUᵀ(x̃ − μ)‖ for the (normalised) image x̃ —
   * small for faces, large for anything else (the paper's Figure 4).
   *
   * @example
   * ```ts
   * const d = model.distanceFromFaceSpace(patches);   // [n]
   * ```
   */
  distanceFromFaceSpace(images: tf.Tensor): tf.Tensor1D {
    const space = this.#fitted('distanceFromFaceSpace');
    const rows = this.#rows('distanceFromFaceSpace', images);
    try {
      return tf.tidy(() => {
        const u = space.pca.components;
        const r = tf.sub(rows.x, space.pca.mean);
        const residual = tf.sub(r, tf.matMul(tf.matMul(r, u, false, true), u));
        return tf.sqrt(tf.sum(tf.square(residual), 1)) as tf.Tensor1D;
      });
    } finally {
      rows.dispose();
    }
  }

  /**
   * The nearest known person of each image in face space, with the distance to that person's mean;
   * `label: 'unknown'` beyond `threshold`. Needs a model fitted with labels.
   *
   * @example
   * ```ts
   * const [who] = model.identify(face);   // { label: 3, nearest: 3, distance: 1.7 }
   * ```
   */
  identify(images: tf.Tensor): Identification[] {
    const space = this.#fitted('identify');
    if (space.people === undefined)
      throw new PcaError('identify: the model knows no people: fit it with labels');
    const codes = this.project(images);
    try {
      return nearestPeople(codes, space.people, space.threshold);
    } finally {
      codes.dispose();
    }
  }

  /**
   * `images` with hidden pixels filled in from the visible ones: the face-space coordinates that best fit
   * the pixels where `mask` is nonzero (least squares on those rows only, with the image's mean and scale
   * as two more unknowns when normalising), then the whole face they make. `mask`: one per image or one
   * for all, any shape of that many pixels. Returns the images' shape.
   *
   * @example
   * ```ts
   * const filled = model.reconstructOccluded(face, visible);   // visible: [24, 24, 1] of 0 and 1
   * ```
   */
  reconstructOccluded(images: tf.Tensor, mask: tf.Tensor): tf.Tensor {
    const space = this.#fitted('reconstructOccluded');
    const { rows, shape } = toRows('reconstructOccluded', images, space.height, space.width);
    try {
      const m = maskRows(mask, rows.shape[0], space.height, space.width);
      try {
        const filled = reconstructOccluded(space, rows, m);
        const out = tf.reshape(filled, shape);
        filled.dispose();
        return out;
      } finally {
        m.dispose();
      }
    } finally {
      rows.dispose();
    }
  }

  /**
   * The distance from face space of every window of `image` ([1, H, W, 1], [H, W, 1] or [H, W]) at each
   * scale, computed by convolutions (see `distanceMap`), and the best non-overlapping windows. Dispose
   * each `maps[i].map`.
   *
   * @example
   * ```ts
   * const { maps, boxes } = model.locate(scene, { scales: [1, 1.5, 2], stride: 2 });
   * console.log(boxes[0]);   // { x, y, width, height, distance, scale }
   * tf.dispose(maps.map((m) => m.map));
   * ```
   */
  locate(image: tf.Tensor, options: LocateOptions = {}): Located {
    const space = this.#fitted('locate');
    const scene = toScene('locate', image);
    try {
      return locate(space, scene, options);
    } finally {
      scene.dispose();
    }
  }

  /**
   * The face in each frame of `frames` [T, H, W, 1]: `locate` on the first, then the best window within
   * `radius` pixels of the previous box.
   *
   * @example
   * ```ts
   * const path = model.track(video, { radius: 6 });   // one box per frame
   * ```
   */
  track(frames: tf.Tensor, options: TrackOptions = {}): Detection[] {
    return track(this.#fitted('track'), frames, options);
  }

  /** Eigenfaces kept, k. */
  get k(): number {
    return this.#fitted('k').pca.nComponentsFitted;
  }
  /** [height, width] of the faces. */
  get imageShape(): [number, number] {
    const s = this.#fitted('imageShape');
    return [s.height, s.width];
  }
  /** Whether images are contrast-normalised. */
  get normalize(): boolean {
    return this.#fitted('normalize').normalize;
  }
  /** The PCA of the (normalised) faces: `mean` is the mean face, `components` the eigenfaces. Owned by the model. */
  get pca(): PCA {
    return this.#fitted('pca').pca;
  }
  /** The known people (ascending), empty without labels. */
  get labels(): number[] {
    return [...(this.#fitted('labels').people?.labels ?? [])];
  }
  /** `identify`'s threshold on the distance in face space (∞ without labels). */
  get threshold(): number {
    return this.#fitted('threshold').threshold;
  }

  /**
   * The model as plain JSON, for {@link EigenFaces.fromJSON}.
   *
   * @example
   * ```ts
   * await writeFile('faces.json', JSON.stringify(model));
   * ```
   */
  toJSON(): EigenFacesJSON {
    return writeEigenFaces(this.#fitted('toJSON'));
  }

  /**
   * A model from {@link EigenFaces.toJSON}'s output; a {@link PcaError} names a malformed field.
   *
   * @example
   * ```ts
   * const model = EigenFaces.fromJSON(JSON.parse(await readFile('faces.json', 'utf8')));
   * ```
   */
  static fromJSON(json: unknown): EigenFaces {
    return new EigenFaces(readEigenFaces(json));
  }

  /**
   * Frees the model's tensors.
   *
   * @example
   * ```ts
   * model.dispose();
   * ```
   */
  dispose(): void {
    if (this.#space === undefined) return;
    this.#space.pca.dispose();
    this.#space.people?.means.dispose();
    this.#space = undefined;
  }

  #rows(
    fn: string,
    images: tf.Tensor,
  ): { x: tf.Tensor2D; mean: tf.Tensor; scale: tf.Tensor; shape: number[]; dispose(): void } {
    const space = this.#space!;
    const { rows, shape } = toRows(fn, images, space.height, space.width);
    if (!space.normalize) {
      const [mean, scale] = [tf.scalar(0), tf.scalar(1)];
      return { x: rows, mean, scale, shape, dispose: () => tf.dispose([rows, mean, scale]) };
    }
    const x = normalizeContrast(rows);
    rows.dispose();
    return { ...x, shape, dispose: () => tf.dispose([x.x, x.mean, x.scale]) };
  }

  #fitted(what: string): FaceSpace {
    if (this.#space === undefined) throw new PcaError(`${what}: the EigenFaces model is disposed`);
    return this.#space;
  }
}

function imageShape(faces: tf.Tensor, given: readonly [number, number] | undefined): [number, number] {
  if (faces.rank === 4) {
    const [, h, w, c] = faces.shape as number[];
    if (c !== 1)
      throw new PcaError(
        `EigenFaces.fit: expected grayscale faces [n, h, w, 1], got shape ${shapeText(faces.shape)}`,
      );
    return [h!, w!];
  }
  const d = faces.shape[1]!;
  if (given !== undefined) {
    if (
      given.length !== 2 ||
      given[0] * given[1] !== d ||
      !given.every((v) => Number.isInteger(v) && v > 0)
    ) {
      throw new PcaError(
        `EigenFaces.fit: imageShape [h, w] must multiply to the ${d} features, got [${given.join(', ')}]`,
      );
    }
    return [given[0], given[1]];
  }
  const side = Math.round(Math.sqrt(d));
  if (side * side !== d)
    throw new PcaError(`EigenFaces.fit: rows of ${d} features are not square images: give imageShape [h, w]`);
  return [side, side];
}
