import * as tf from '@tensorflow/tfjs-core';
import type { EigenFaces } from './eigenfaces';
import { PcaError } from './errors';
import type { Detection, ScaleMap } from './locate';

/** A grayscale picture in [0, 1], [height, width, 1]: for `writeImage` / `encodePng` of `@cnn/core`. */
export type Picture = tf.Tensor3D;

/** How {@link imageGrid} maps each tile's values to [0, 1]. */
export type TileScale = 'clip' | 'each' | 'all';

/** Options of {@link imageGrid}. */
export interface ImageGridOptions {
  /** Tiles per row (default: ⌈√n⌉). */
  columns?: number;
  /** Pixels between tiles, drawn at `background` (default 1). */
  pad?: number;
  /** 'clip' (default) clips to [0, 1]; 'each' stretches each tile's range; 'all' the grid's range — for signed maps. */
  scale?: TileScale;
  /** Value of the padding (default 1: white). */
  background?: number;
}

/**
 * Tiles of equal size [n, h, w, 1] laid out in rows, as one picture [H, W, 1] in [0, 1]. The caller
 * disposes it.
 *
 * @example
 * ```ts
 * await writeImage('eigenfaces.png', imageGrid(eigenfaces, { columns: 8, scale: 'each' }));
 * ```
 */
export function imageGrid(tiles: tf.Tensor, options: ImageGridOptions = {}): Picture {
  if (!(tiles instanceof tf.Tensor) || tiles.rank !== 4 || tiles.shape[3] !== 1 || tiles.shape[0] === 0) {
    throw new PcaError(
      `imageGrid: expected grayscale tiles [n, h, w, 1] (n ≥ 1), got ${tiles instanceof tf.Tensor ? `shape [${tiles.shape.join(', ')}]` : typeof tiles}`,
    );
  }
  const [n, h, w] = tiles.shape as [number, number, number, number];
  const { columns = Math.ceil(Math.sqrt(n)), pad = 1, scale = 'clip', background = 1 } = options;
  if (!Number.isInteger(columns) || columns < 1 || !Number.isInteger(pad) || pad < 0) {
    throw new PcaError(
      `imageGrid: columns must be a positive integer and pad an integer ≥ 0, got ${columns}, ${pad}`,
    );
  }
  const v = tiles.dataSync();
  const rows = Math.ceil(n / columns);
  const [H, W] = [rows * h + (rows + 1) * pad, columns * w + (columns + 1) * pad];
  const out = new Float32Array(H * W).fill(background);
  const range = (from: number, to: number): [number, number] => {
    let [lo, hi] = [Infinity, -Infinity];
    for (let i = from; i < to; i++) [lo, hi] = [Math.min(lo, v[i]!), Math.max(hi, v[i]!)];
    return [lo, hi > lo ? hi - lo : 1];
  };
  const all = range(0, v.length);
  for (let t = 0; t < n; t++) {
    const [lo, span] = scale === 'each' ? range(t * h * w, (t + 1) * h * w) : scale === 'all' ? all : [0, 1];
    const [y0, x0] = [pad + Math.floor(t / columns) * (h + pad), pad + (t % columns) * (w + pad)];
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const x = (v[t * h * w + r * w + c]! - lo) / span;
        out[(y0 + r) * W + x0 + c] = Math.min(1, Math.max(0, x));
      }
    }
  }
  return tf.tensor3d(out, [H, W, 1]);
}

/** Options of {@link eigenfacePictures}. */
export interface EigenfacePicturesOptions {
  /** Faces to show reconstructed, [n, h, w, 1] (the first 6 are used). */
  faces?: tf.Tensor;
  /** Eigenfaces kept in each reconstruction (default [1, 5, 10, 20, k], those ≤ k). */
  ks?: readonly number[];
  /** Eigenfaces shown (default the first 16, or k). */
  count?: number;
  /** `locate`'s result on `scene`, for the distance maps and the boxes drawn on it. */
  located?: { maps: readonly ScaleMap[]; boxes: readonly Detection[] };
  /** The image `located` came from ([1, H, W, 1] or [H, W, 1]). */
  scene?: tf.Tensor;
}

/** The pictures of an eigenfaces model, each [H, W, 1] in [0, 1]; the caller disposes them. */
export interface EigenfacePictures {
  /** The mean (normalised) face, its range stretched. */
  meanFace: Picture;
  /** The first eigenfaces, each stretched to its range (grey is 0). */
  eigenfaces: Picture;
  /** One row per face: the face, then its reconstructions from the first k eigenfaces for each k. */
  reconstructions?: Picture;
  /** `locate`'s distance maps side by side, one per scale, bright where close to face space. */
  distanceMaps?: Picture;
  /** The scene with `locate`'s boxes drawn in white. */
  detections?: Picture;
}

/**
 * The pictures Turk and Pentland show: the mean face, the first eigenfaces, faces rebuilt from more and
 * more eigenfaces, and — given a scene and `locate`'s result on it — the distance maps and the boxes. Write
 * them with `writeImage` of `@cnn/core` (Node) or draw them with its `toCanvas` (browser).
 *
 * @example
 * ```ts
 * const located = model.locate(scene, { scales: [1, 1.5] });
 * const pictures = eigenfacePictures(model, { faces, located, scene });
 * for (const [name, picture] of Object.entries(pictures)) await writeImage(`${name}.png`, picture);
 * ```
 */
export function eigenfacePictures(
  model: EigenFaces,
  options: EigenfacePicturesOptions = {},
): EigenfacePictures {
  const [h, w] = model.imageShape;
  const k = model.k;
  const pictures: EigenfacePictures = {
    meanFace: tf.tidy(() => imageGrid(tf.reshape(model.pca.mean, [1, h, w, 1]), { pad: 0, scale: 'each' })),
    eigenfaces: tf.tidy(() => {
      const count = Math.min(options.count ?? 16, k);
      const u = tf.reshape(tf.slice(model.pca.components, [0, 0], [count, -1]), [count, h, w, 1]);
      // Symmetric stretch per tile, so that 0 is mid-grey and signs show.
      const m = tf.max(tf.abs(u), [1, 2, 3], true);
      return imageGrid(tf.add(0.5, tf.div(u, tf.mul(2, m))), { columns: Math.min(8, count) });
    }),
  };
  if (options.faces !== undefined) {
    const ks = (options.ks ?? [1, 5, 10, 20, k]).filter((v, i, a) => v <= k && a.indexOf(v) === i);
    pictures.reconstructions = tf.tidy(() => {
      const faces = tf.slice(options.faces!, [0, 0, 0, 0], [Math.min(6, options.faces!.shape[0]!), h, w, 1]);
      const columns = [faces, ...ks.map((kk) => model.reconstruct(faces, { k: kk }))];
      const n = faces.shape[0]!;
      const tiles = tf.reshape(tf.stack(columns, 1), [n * columns.length, h, w, 1]);
      return imageGrid(tiles, { columns: columns.length });
    });
  }
  if (options.located !== undefined && options.located.maps.length > 0) {
    pictures.distanceMaps = tf.tidy(() => {
      const maps = options.located!.maps.map((m) => m.map);
      const height = Math.max(...maps.map((m) => m.shape[0]));
      // Close is bright: the map's range reversed, each scale padded to the tallest.
      const tiles = maps.map((m) => {
        const [lo, hi] = [tf.min(m), tf.max(m)];
        const bright = tf.div(tf.sub(hi, m), tf.maximum(tf.sub(hi, lo), 1e-12));
        return tf.pad(
          bright,
          [
            [0, height - m.shape[0]],
            [0, 2],
          ],
          1,
        );
      });
      return tf.expandDims(tf.concat(tiles, 1), 2) as tf.Tensor3D;
    });
  }
  if (options.located !== undefined && options.scene !== undefined) {
    const s = options.scene.shape;
    const [H, W] = s.length === 4 ? [s[1]!, s[2]!] : [s[0]!, s[1]!];
    const pixels = Float32Array.from(options.scene.dataSync());
    for (const b of options.located.boxes) {
      const [x0, y0] = [Math.round(b.x), Math.round(b.y)];
      const [x1, y1] = [
        Math.min(W - 1, Math.round(b.x + b.width) - 1),
        Math.min(H - 1, Math.round(b.y + b.height) - 1),
      ];
      for (let x = x0; x <= x1; x++) for (const y of [y0, y1]) pixels[y * W + x] = 1;
      for (let y = y0; y <= y1; y++) for (const x of [x0, x1]) pixels[y * W + x] = 1;
    }
    pictures.detections = tf.tensor3d(pixels, [H, W, 1]);
  }
  return pictures;
}
