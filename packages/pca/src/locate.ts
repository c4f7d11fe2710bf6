import * as tf from '@tensorflow/tfjs-core';
import { MIN_STD } from './contrast';
import { PcaError } from './errors';
import type { FaceSpace } from './face_space';
import type { Box } from './scene';

/**
 * Face detection and location by distance from face space (Turk & Pentland §4.1), over every window of
 * an image at once. For a window x with residual r = x̃ − μ (x̃ the contrast-normalised window),
 *
 *   ε² = ‖r − UUᵀr‖² = ‖r‖² − ‖Uᵀr‖²
 *
 * and with x̃ = (x − m)/s, m = Σx/d, s = max(√((Σx² − mΣx)/d), MIN_STD), every term is a window sum:
 *
 *   ‖r‖²  = (Σx² − mΣx)/s² − 2(x·μ − m·Σμ)/s + ‖μ‖²
 *   Uᵀr   = (Uᵀx − m·Uᵀ1)/s − Uᵀμ
 *
 * Σx, x·μ and Uᵀx are one convolution of the image with k + 2 filters (ones, the mean face, the
 * eigenfaces); Σx² an average pool of its square. Without normalisation ε² = Σx² − 2x·μ + ‖μ‖² −
 * ‖Uᵀx − Uᵀμ‖². The image's global mean is subtracted first (the normalised windows do not change), so
 * Σx² − mΣx loses fewer float32 digits; a window whose Σx² − mΣx is below {@link FLAT} × Σx² (a standard
 * deviation under 0.3% of its level, where float32 sums are mostly rounding) counts as flat: x̃ = 0.
 */

/** Relative size of Σx² − mΣx below which a window counts as flat (float32 window sums resolve ~1e-7). */
export const FLAT = 1e-5;

/** The distance map of one scale. */
export interface ScaleMap {
  /** The scale: windows of scale × the face size, in pixels of the image. */
  scale: number;
  /** Distance from face space of the window at each map cell, [rows, cols]; the caller disposes it. */
  map: tf.Tensor2D;
  /** Pixels of the image from one map cell to the next, down and across. */
  stepY: number;
  stepX: number;
  /** The window's size in pixels of the image. */
  boxHeight: number;
  boxWidth: number;
}

/** A window and its distance from face space. */
export interface Detection extends Box {
  distance: number;
  scale: number;
}

/** Options of `EigenFaces.locate`. */
export interface LocateOptions {
  /** Window sizes as multiples of the face size (default [1]): the image is resized by 1/scale. */
  scales?: readonly number[];
  /** Map cells every `stride` pixels of the resized image (default 1). */
  stride?: number;
  /** Boxes to return at most (default 5). */
  maxBoxes?: number;
  /** Only windows closer than this to face space (default ∞: the `maxBoxes` best). */
  maxDistance?: number;
  /** Largest intersection over union between two returned boxes (default 0: no overlap at all). */
  maxOverlap?: number;
}

/** Distances from face space of every `stride`-th window of `image` [1, H, W, 1], [rows, cols]. */
export function distanceMap(space: FaceSpace, image: tf.Tensor4D, stride: number): tf.Tensor2D {
  const { height: h, width: w, normalize, pca } = space;
  const d = h * w;
  const k = pca.nComponentsFitted;
  return tf.tidy(() => {
    const mu = pca.mean;
    const u = pca.components;
    const x = normalize ? tf.sub(image, tf.mean(image)) : image;
    const filters = tf.reshape(tf.transpose(tf.concat([tf.ones([1, d]), tf.reshape(mu, [1, d]), u], 0)), [
      h,
      w,
      1,
      k + 2,
    ]) as tf.Tensor4D;
    const conv = tf.conv2d(x as tf.Tensor4D, filters, stride, 'valid');
    const [, rows, cols] = conv.shape;
    const flat = tf.reshape(conv, [rows * cols, k + 2]);
    const s1 = tf.slice(flat, [0, 0], [-1, 1]);
    const cMu = tf.slice(flat, [0, 1], [-1, 1]);
    const cU = tf.slice(flat, [0, 2], [-1, k]);
    const s2 = tf.mul(
      tf.reshape(tf.avgPool(tf.square(x) as tf.Tensor4D, [h, w], stride, 'valid'), [-1, 1]),
      d,
    );
    const muMu = tf.sum(tf.square(mu));
    const uMu = tf.reshape(tf.matMul(u, tf.reshape(mu, [d, 1])), [1, k]);
    let e2: tf.Tensor;
    if (normalize) {
      const m = tf.div(s1, d);
      // Σx² − mΣx below float32's resolution of Σx² is rounding, not texture: such a window is flat.
      const raw = tf.sub(s2, tf.mul(m, s1));
      const varSum = tf.where(tf.greater(raw, tf.mul(s2, FLAT)), raw, tf.zerosLike(raw));
      const s = tf.maximum(tf.sqrt(tf.div(varSum, d)), MIN_STD);
      const u1 = tf.reshape(tf.sum(u, 1), [1, k]);
      const r2 = tf.add(
        tf.sub(tf.div(varSum, tf.square(s)), tf.mul(2, tf.div(tf.sub(cMu, tf.mul(m, tf.sum(mu))), s))),
        muMu,
      );
      const p = tf.sub(tf.div(tf.sub(cU, tf.mul(m, u1)), s), uMu);
      e2 = tf.sub(r2, tf.sum(tf.square(p), 1, true));
    } else {
      const r2 = tf.add(tf.sub(s2, tf.mul(2, cMu)), muMu);
      e2 = tf.sub(r2, tf.sum(tf.square(tf.sub(cU, uMu)), 1, true));
    }
    return tf.reshape(tf.sqrt(tf.relu(e2)), [rows, cols]) as tf.Tensor2D;
  });
}

/** Checks the scales and stride, and that every scale's resized image holds one window. */
export function checkSearch(
  fn: string,
  space: FaceSpace,
  height: number,
  width: number,
  scales: readonly number[],
  stride: number,
): void {
  if (
    !Array.isArray(scales) ||
    scales.length === 0 ||
    !scales.every((s) => typeof s === 'number' && s > 0 && Number.isFinite(s))
  ) {
    throw new PcaError(
      `${fn}: scales must be a non-empty array of positive numbers, got ${JSON.stringify(scales)}`,
    );
  }
  if (!Number.isInteger(stride) || stride < 1)
    throw new PcaError(`${fn}: stride must be a positive integer, got ${String(stride)}`);
  for (const scale of scales) {
    const [rh, rw] = resized(height, width, scale);
    if (rh < space.height || rw < space.width) {
      throw new PcaError(
        `${fn}: at scale ${scale} the ${height}×${width} image shrinks to ${rh}×${rw}, smaller than the ${space.height}×${space.width} face window`,
      );
    }
  }
}

const resized = (height: number, width: number, scale: number): [number, number] => [
  Math.max(1, Math.round(height / scale)),
  Math.max(1, Math.round(width / scale)),
];

/** The distance map of `image` [1, H, W, 1] with windows `scale` times the face size. */
export function scaleMap(space: FaceSpace, image: tf.Tensor4D, scale: number, stride: number): ScaleMap {
  const [, height, width] = image.shape;
  const [rh, rw] = resized(height, width, scale);
  const map = tf.tidy(() => {
    const small =
      rh === height && rw === width ? image : tf.image.resizeBilinear(image, [rh, rw], false, true);
    return distanceMap(space, small, stride);
  });
  // With half-pixel centres, resized pixel j covers [j·W/rw, (j + 1)·W/rw) of the image.
  const [sy, sx] = [height / rh, width / rw];
  return {
    scale,
    map,
    stepY: stride * sy,
    stepX: stride * sx,
    boxHeight: space.height * sy,
    boxWidth: space.width * sx,
  };
}

const iou = (a: Box, b: Box): number => {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter / (a.width * a.height + b.width * b.height - inter);
};

/**
 * The best boxes of the maps: local minima of each map (no smaller neighbour among the 8), closest first,
 * each kept unless it overlaps a kept one by more than `maxOverlap` (greedy non-maximum suppression).
 */
export function bestBoxes(
  maps: readonly ScaleMap[],
  maxBoxes: number,
  maxDistance: number,
  maxOverlap: number,
  offsetX = 0,
  offsetY = 0,
): Detection[] {
  const candidates: Detection[] = [];
  for (const m of maps) {
    const [rows, cols] = m.map.shape;
    const v = m.map.dataSync();
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const e = v[i * cols + j]!;
        if (!(e < maxDistance)) continue;
        let minimum = true;
        for (let di = -1; di <= 1 && minimum; di++) {
          for (let dj = -1; dj <= 1; dj++) {
            const [r, c] = [i + di, j + dj];
            if ((di || dj) && r >= 0 && r < rows && c >= 0 && c < cols && v[r * cols + c]! < e) {
              minimum = false;
              break;
            }
          }
        }
        if (minimum) {
          candidates.push({
            x: offsetX + j * m.stepX,
            y: offsetY + i * m.stepY,
            width: m.boxWidth,
            height: m.boxHeight,
            distance: e,
            scale: m.scale,
          });
        }
      }
    }
  }
  candidates.sort((a, b) => a.distance - b.distance);
  const kept: Detection[] = [];
  for (const c of candidates) {
    if (kept.length >= maxBoxes) break;
    if (kept.every((k) => iou(k, c) <= maxOverlap)) kept.push(c);
  }
  return kept;
}

/** What `EigenFaces.locate` returns. */
export interface Located {
  /** One distance map per scale, in the order given; the caller disposes their `map` tensors. */
  maps: ScaleMap[];
  /** The best non-overlapping windows, closest to face space first. */
  boxes: Detection[];
}

/** `EigenFaces.locate` on a [1, H, W, 1] image. */
export function locate(space: FaceSpace, image: tf.Tensor4D, options: LocateOptions): Located {
  const { scales = [1], stride = 1, maxBoxes = 5, maxDistance = Infinity, maxOverlap = 0 } = options;
  const [, height, width] = image.shape;
  checkSearch('locate', space, height, width, scales, stride);
  if (!Number.isInteger(maxBoxes) || maxBoxes < 0)
    throw new PcaError(`locate: maxBoxes must be an integer ≥ 0, got ${String(maxBoxes)}`);
  if (!(maxOverlap >= 0 && maxOverlap <= 1))
    throw new PcaError(`locate: maxOverlap must be in [0, 1], got ${String(maxOverlap)}`);
  if (!(maxDistance > 0)) throw new PcaError(`locate: maxDistance must be > 0, got ${String(maxDistance)}`);
  const maps = scales.map((scale) => scaleMap(space, image, scale, stride));
  return { maps, boxes: bestBoxes(maps, maxBoxes, maxDistance, maxOverlap) };
}
