import * as tf from '@tensorflow/tfjs-core';
import { PcaError } from './errors';
import type { FaceSpace } from './face_space';
import { shapeText } from './input';
import { bestBoxes, checkSearch, type Detection, locate, scaleMap } from './locate';
import type { Box } from './scene';

/** Options of `EigenFaces.track`. */
export interface TrackOptions {
  /** How far (pixels) the face may move between frames: each frame is searched within this of the last box (default 8). */
  radius?: number;
  /** Scales searched in the first frame (default [1]); later frames keep the scale found. */
  scales?: readonly number[];
  /** Map cells every `stride` pixels (default 1). */
  stride?: number;
  /** The face in the first frame, if known (default: the best box of `locate` on it). */
  start?: Box & { scale?: number };
}

/**
 * `EigenFaces.track`: the face in each frame of `frames` [T, H, W, 1], the first found by `locate` over the
 * whole frame (or given), each next one the closest window to face space within `radius` pixels of the
 * previous box, at its scale.
 */
export function track(space: FaceSpace, frames: tf.Tensor, options: TrackOptions): Detection[] {
  const { radius = 8, scales = [1], stride = 1 } = options;
  if (!(frames instanceof tf.Tensor) || frames.isDisposed || frames.rank !== 4 || frames.shape[3] !== 1) {
    const got = frames instanceof tf.Tensor ? `shape ${shapeText(frames.shape)}` : typeof frames;
    throw new PcaError(`track: expected grayscale frames [T, H, W, 1], got ${got}`);
  }
  if (!Number.isInteger(radius) || radius < 0)
    throw new PcaError(`track: radius must be an integer ≥ 0, got ${String(radius)}`);
  const [count, height, width] = frames.shape as [number, number, number, number];
  checkSearch('track', space, height, width, scales, stride);
  const frame = (t: number) => tf.slice(frames, [t, 0, 0, 0], [1, height, width, 1]) as tf.Tensor4D;
  const path: Detection[] = [];
  let last: Detection;
  if (options.start !== undefined) {
    last = {
      ...options.start,
      scale: options.start.scale ?? options.start.width / space.width,
      distance: Number.NaN,
    };
  } else {
    const first = frame(0);
    const found = locate(space, first, { scales, stride, maxBoxes: 1 });
    tf.dispose([first, ...found.maps.map((m) => m.map)]);
    if (found.boxes.length === 0) throw new PcaError('track: no window of the first frame to start from');
    last = found.boxes[0]!;
  }
  for (let t = 0; t < count; t++) {
    if (t === 0 && options.start === undefined) {
      path.push(last);
      continue;
    }
    // The search region: the last box grown by the radius, clipped to the frame, at least one window.
    const x0 = Math.max(0, Math.floor(last.x - radius));
    const y0 = Math.max(0, Math.floor(last.y - radius));
    const x1 = Math.min(width, Math.ceil(last.x + last.width + radius));
    const y1 = Math.min(height, Math.ceil(last.y + last.height + radius));
    const crop = tf.tidy(() => tf.slice(frames, [t, y0, x0, 0], [1, y1 - y0, x1 - x0, 1]) as tf.Tensor4D);
    const [rh, rw] = [Math.round((y1 - y0) / last.scale), Math.round((x1 - x0) / last.scale)];
    if (rh < space.height || rw < space.width) {
      crop.dispose();
      throw new PcaError(
        `track: the search region of frame ${t} (${y1 - y0}×${x1 - x0}) is smaller than the face window`,
      );
    }
    const m = scaleMap(space, crop, last.scale, stride);
    const [best] = bestBoxes([m], 1, Infinity, 1, x0, y0);
    tf.dispose([crop, m.map]);
    last = best!;
    path.push(last);
  }
  return path;
}
