import * as tf from '@tensorflow/tfjs-core';
import { DatasetError } from './errors';

/**
 * A 2×3 affine *sampling* matrix `[a, b, c, d, e, f]`, row-major: output pixel (x, y) reads the input at
 * (a·x + b·y + c, d·x + e·y + f). Pixel centres sit at integer coordinates, (0, 0) top-left, y down.
 * The helpers below build these matrices named after what they do to the picture.
 */
export type AffineMatrix = readonly [number, number, number, number, number, number];

/** Output pixels per step by default (64 CIFAR images): intermediates of ~25 MB. */
const STEP_PIXELS = 2 ** 16;
/** Integers up to 2^24 are exact in float32. */
const EXACT = 2 ** 24;

/** How {@link warpAffine} reads between pixel centres. */
export interface WarpOptions {
  /** `'bilinear'` (the default) blends the four neighbours; `'nearest'` takes the closest (halves round up). */
  interpolation?: 'bilinear' | 'nearest';
  /** The value of every point outside the image (default 0). */
  fill?: number;
  /**
   * Images resampled per step: bounds the memory the intermediate tensors take (about 350 + 40 × channels
   * bytes per output pixel). Default: as many as fit in 2^16 output pixels, at least one. Results do not
   * depend on it.
   */
  imagesPerStep?: number;
}

/**
 * Resamples each image of an NHWC batch through its own affine matrix, on the active backend: output pixel
 * (x, y) of image i takes the input at (a·x + b·y + c, d·x + e·y + f) with i's matrix. Points outside the
 * image read `fill`; bilinear sampling near a border blends in `fill` for each neighbour outside, so edges
 * fade rather than smear. Any channel count; float32 out. Integer translations copy pixels exactly (their
 * bilinear weights are 0 and 1).
 *
 * The sampling grid is computed on the backend from the B×6 matrices (one matMul against the pixel grid)
 * and the images are read with one gather over the flattened batch (per `imagesPerStep` images): only ops
 * every backend has (no `Transform` kernel, which wasm lacks), so cpu, wasm and webgl agree.
 *
 * @param images `[batch, height, width, channels]`.
 * @param matrices batch × 6 numbers, image after image (see {@link AffineMatrix}), or one matrix per image.
 * @example
 * ```ts
 * const [, h, w] = batch.shape;
 * const m = compose(flip('horizontal', w, h), rotation(15, w, h));   // mirror, then turn 15° anticlockwise
 * const out = warpAffine(batch, Array.from({ length: batch.shape[0] }, () => m));
 * ```
 */
export function warpAffine(
  images: tf.Tensor4D,
  matrices: ArrayLike<number> | readonly AffineMatrix[],
  options: WarpOptions = {},
): tf.Tensor4D {
  if (!(images instanceof tf.Tensor) || images.rank !== 4) {
    const got = images instanceof tf.Tensor ? `a rank-${images.rank} tensor` : typeof images;
    throw new DatasetError(
      `warpAffine: images must be a [batch, height, width, channels] tensor, got ${got}`,
    );
  }
  const [batch, height, width, channels] = images.shape;
  const flat = flattenMatrices(matrices, batch);
  const interpolation = options.interpolation ?? 'bilinear';
  if (interpolation !== 'bilinear' && interpolation !== 'nearest') {
    throw new DatasetError(
      `warpAffine: interpolation must be 'bilinear' or 'nearest', got '${interpolation}'`,
    );
  }
  const fill = options.fill ?? 0;
  if (!Number.isFinite(fill)) throw new DatasetError(`warpAffine: fill must be a finite number, got ${fill}`);
  if (batch * height * width * channels === 0) return tf.zeros(images.shape, 'float32');
  const pixels = height * width;
  const asked = options.imagesPerStep ?? Math.max(1, Math.floor(STEP_PIXELS / pixels));
  if (!Number.isInteger(asked) || asked < 1) {
    throw new DatasetError(`warpAffine: imagesPerStep must be a positive integer, got ${asked}`);
  }
  // Row indices are computed in float32, exact below 2^24: no step may hold more pixels.
  const perStep = Math.min(asked, Math.floor((EXACT - 1) / pixels));
  if (perStep < 1) {
    throw new DatasetError(
      `warpAffine: images of ${height}×${width} pixels exceed the ${EXACT} it can index`,
    );
  }
  if (batch <= perStep) return warpStep(images, flat, interpolation, fill);
  return tf.tidy(() => {
    const parts: tf.Tensor4D[] = [];
    for (let start = 0; start < batch; start += perStep) {
      const size = Math.min(perStep, batch - start);
      const step = tf.slice(images, [start, 0, 0, 0], [size, height, width, channels]);
      parts.push(warpStep(step, flat.subarray(start * 6, (start + size) * 6), interpolation, fill));
      step.dispose();
    }
    return tf.concat(parts, 0);
  });
}

/**
 * The warp itself, in element-wise ops over all n = batch·h·w output pixels at once. Broadcasting shapes
 * are avoided (the cpu backend runs them element by element): a matMul spreads the matrices over the grid
 * and a batched matMul weighs the neighbours.
 */
function warpStep(
  images: tf.Tensor4D,
  flat: Float32Array,
  interpolation: 'bilinear' | 'nearest',
  fill: number,
): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  const pixels = height * width;
  const n = batch * pixels;
  // Rows [a b c] of every image, then [d e f] of every image, then [0 0 i]: times the grid's columns
  // (x, y, 1) they give the source x, the source y and the image index of every output pixel.
  const rows = new Float32Array(9 * batch);
  for (let i = 0; i < batch; i++) {
    rows.set(flat.subarray(i * 6, i * 6 + 3), i * 3);
    rows.set(flat.subarray(i * 6 + 3, i * 6 + 6), (batch + i) * 3);
    rows[(2 * batch + i) * 3 + 2] = i;
  }
  return tf.tidy(() => {
    const xs = tf.tile(tf.range(0, width, 1, 'float32'), [height]);
    const ys = tf.reshape(tf.tile(tf.reshape(tf.range(0, height, 1, 'float32'), [height, 1]), [1, width]), [
      pixels,
    ]);
    const grid = tf.stack([xs, ys, tf.ones([pixels])]);
    const coords = tf.reshape(tf.matMul(tf.tensor2d(rows, [3 * batch, 3]), grid), [3, n]);
    const [sx, sy, image] = tf.unstack(coords) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];

    // The neighbours read, with their weights: four for bilinear, the closest for nearest.
    const taps: { x: tf.Tensor; y: tf.Tensor; weight?: tf.Tensor }[] = [];
    if (interpolation === 'nearest') {
      taps.push({ x: tf.floor(tf.add(sx, 0.5)), y: tf.floor(tf.add(sy, 0.5)) });
    } else {
      const x0 = tf.floor(sx);
      const y0 = tf.floor(sy);
      const fx = tf.sub(sx, x0);
      const fy = tf.sub(sy, y0);
      const gx = tf.sub(1, fx);
      const gy = tf.sub(1, fy);
      const x1 = tf.add(x0, 1);
      const y1 = tf.add(y0, 1);
      taps.push(
        { x: x0, y: y0, weight: tf.mul(gx, gy) },
        { x: x1, y: y0, weight: tf.mul(fx, gy) },
        { x: x0, y: y1, weight: tf.mul(gx, fy) },
        { x: x1, y: y1, weight: tf.mul(fx, fy) },
      );
    }

    // Row of each tap in the flattened batch; a tap outside its image reads row n, which holds `fill`:
    // bilinear weights then blend fill in at the borders with no extra term.
    const fillRow = tf.fill([n], n);
    const imageStart = tf.mul(image, pixels);
    const index = taps.map(({ x, y }) => {
      const col = tf.clipByValue(x, 0, width - 1);
      const row = tf.clipByValue(y, 0, height - 1);
      // Inside exactly when clamping moved nothing (two comparisons instead of four).
      const inside = tf.logicalAnd(tf.equal(x, col), tf.equal(y, row));
      return tf.where(inside, tf.add(imageStart, tf.add(tf.mul(row, width), col)), fillRow);
    });
    const source = tf.concat([
      tf.reshape(tf.cast(images, 'float32'), [n, channels]),
      tf.fill([1, channels], fill),
    ]) as tf.Tensor2D;
    // Pixel after pixel, its taps side by side: [n·taps] rows → [n, taps, channels].
    const order = tf.cast(tf.reshape(tf.transpose(tf.stack(index)), [n * taps.length]), 'int32');
    const gathered = tf.reshape(gatherRows(source, order), [n, taps.length, channels]);
    if (taps.length === 1) return tf.reshape(gathered, [batch, height, width, channels]);
    const weights = tf.reshape(tf.transpose(tf.stack(taps.map((t) => t.weight!))), [n, 1, taps.length]);
    return tf.reshape(tf.matMul(weights, gathered), [batch, height, width, channels]);
  });
}

/**
 * `source[rows]`. tfjs's wasm GatherV2 checks each index in JavaScript (18× slower than its GatherNd here);
 * the cpu backend's GatherNd is the slow one (3×). Same values either way.
 */
function gatherRows(source: tf.Tensor2D, rows: tf.Tensor): tf.Tensor2D {
  if (tf.getBackend() === 'cpu') return tf.gather(source, rows);
  return tf.gatherND(source, tf.reshape(rows, [rows.size, 1])) as tf.Tensor2D;
}

/** The batch's matrices as one float32 block of batch × 6, checked. */
function flattenMatrices(matrices: ArrayLike<number> | readonly AffineMatrix[], batch: number): Float32Array {
  const nested = Array.isArray(matrices) && matrices.length > 0 && Array.isArray(matrices[0]);
  const list = matrices as ArrayLike<unknown>;
  const out = new Float32Array(batch * 6);
  if (nested) {
    if (list.length !== batch) {
      throw new DatasetError(`warpAffine: ${batch} images need ${batch} matrices, got ${list.length}`);
    }
    for (let i = 0; i < batch; i++) {
      const m = list[i];
      if (!Array.isArray(m) || m.length !== 6) {
        throw new DatasetError(
          `warpAffine: matrix ${i} must have 6 numbers [a, b, c, d, e, f], got ${String(m)}`,
        );
      }
      out.set(m as number[], i * 6);
    }
  } else {
    if (list.length !== batch * 6) {
      throw new DatasetError(
        `warpAffine: ${batch} images need ${batch * 6} matrix values (6 per image), got ${list.length}`,
      );
    }
    for (let i = 0; i < list.length; i++) out[i] = list[i] as number;
  }
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) {
      throw new DatasetError(
        `warpAffine: matrix values must be finite numbers, got ${String(out[i])} in matrix ${Math.floor(i / 6)}`,
      );
    }
  }
  return out;
}

/**
 * The matrix that leaves an image as it is.
 *
 * @example
 * ```ts
 * warpAffine(x, [identity()]);   // a float32 copy of a one-image batch
 * ```
 */
export function identity(): AffineMatrix {
  return [1, 0, 0, 0, 1, 0];
}

/**
 * Moves the picture `dx` pixels right and `dy` down (what comes into view is `fill`).
 *
 * @example
 * ```ts
 * translation(2, -1);   // [1, 0, -2, 0, 1, 1]: out(x, y) = in(x − 2, y + 1)
 * ```
 */
export function translation(dx: number, dy: number): AffineMatrix {
  return [1, 0, -dx, 0, 1, -dy];
}

/**
 * Turns the picture `degrees` anticlockwise (as seen on screen) about the centre of a `width` × `height`
 * image, ((width − 1)/2, (height − 1)/2). Multiples of 90° are exact, so they move whole pixels.
 *
 * @example
 * ```ts
 * rotation(90, 5, 5);   // [0, -1, 4, 1, 0, 0]: out(x, y) = in(4 − y, x), numpy's rot90
 * ```
 */
export function rotation(degrees: number, width: number, height: number): AffineMatrix {
  const [cos, sin] = cosSin(degrees);
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  // Sampling is the inverse turn: clockwise about the centre.
  return [cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy];
}

/**
 * Mirrors the picture: `'horizontal'` swaps left and right (x → width − 1 − x), `'vertical'` top and bottom.
 *
 * @example
 * ```ts
 * flip('horizontal', 28, 28);   // [-1, 0, 27, 0, 1, 0], the same as tf.reverse(x, 2)
 * ```
 */
export function flip(axis: 'horizontal' | 'vertical', width: number, height: number): AffineMatrix {
  if (axis === 'horizontal') return [-1, 0, width - 1, 0, 1, 0];
  if (axis === 'vertical') return [1, 0, 0, 0, -1, height - 1];
  throw new DatasetError(`flip: axis must be 'horizontal' or 'vertical', got '${String(axis)}'`);
}

/**
 * Enlarges the picture by `factor` (or `[sx, sy]`) about the image centre: above 1 zooms in, below 1 zooms out.
 *
 * @example
 * ```ts
 * scaling(2, 5, 5);   // [0.5, 0, 1, 0, 0.5, 1]: out(x, y) = in(2 + (x − 2)/2, 2 + (y − 2)/2)
 * ```
 */
export function scaling(
  factor: number | readonly [number, number],
  width: number,
  height: number,
): AffineMatrix {
  const [sx, sy] = typeof factor === 'number' ? [factor, factor] : factor;
  if (!(sx > 0 && sy > 0 && Number.isFinite(sx) && Number.isFinite(sy))) {
    throw new DatasetError(`scaling: factors must be finite and positive, got ${sx}, ${sy}`);
  }
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  return [1 / sx, 0, cx - cx / sx, 0, 1 / sy, cy - cy / sy];
}

/**
 * One matrix doing each transform in turn, first to last: `compose(flip(…), rotation(…))` mirrors the
 * picture, then turns it. One resampling instead of one per step: sharper and faster.
 *
 * @example
 * ```ts
 * compose(translation(3, 0), translation(0, 2));   // translation(3, 2)
 * ```
 */
export function compose(...transforms: readonly AffineMatrix[]): AffineMatrix {
  // Sampling matrices chain the other way round: in = S₁(S₂(…Sₙ(out))), so the product is S₁·S₂·…·Sₙ.
  let m: AffineMatrix = identity();
  for (const t of transforms) {
    const [a, b, c, d, e, f] = m;
    const [p, q, r, s, u, v] = t;
    m = [a * p + b * s, a * q + b * u, a * r + b * v + c, d * p + e * s, d * q + e * u, d * r + e * v + f];
  }
  return m;
}

/** cos and sin of an angle in degrees, exact at multiples of 90° (Math.cos(π/2) is 6e-17, not 0). */
function cosSin(degrees: number): [number, number] {
  if (!Number.isFinite(degrees)) throw new DatasetError(`rotation: degrees must be finite, got ${degrees}`);
  const turn = ((degrees % 360) + 360) % 360;
  if (turn === 0) return [1, 0];
  if (turn === 90) return [0, 1];
  if (turn === 180) return [-1, 0];
  if (turn === 270) return [0, -1];
  const radians = (degrees * Math.PI) / 180;
  return [Math.cos(radians), Math.sin(radians)];
}
