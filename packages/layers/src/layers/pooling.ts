import * as tf from '@tensorflow/tfjs-core';
import { LayerError, ShapeError } from '../errors';
import { expectInputs, expectRank, Layer, type LayerConfig } from '../layer';
import { outputLength, type Padding, type Pair, pair, type Shape, sidePadding } from '../shape';
import { checkPair, tfPadding } from './conv2d';

/** Options of {@link MaxPooling2D} and {@link AveragePooling2D}. */
export interface Pooling2DConfig extends LayerConfig {
  /** Window height and width. Default 2. */
  poolSize?: Pair;
  /** Steps of the window. Default `poolSize` (windows side by side). */
  strides?: Pair;
  /**
   * 'valid' (default), 'same', or explicit padding P (one number, or [ph, pw]), each less than the window.
   * Max pooling never picks a padded cell (−∞ padding). Average pooling counts the explicit padding as zeros
   * in every window, dividing by the full window as Caffe does; with 'same' it averages only the input's
   * cells, as TensorFlow and Keras do.
   */
  padding?: Padding;
}

/**
 * The engine of {@link MaxPooling2D} and {@link AveragePooling2D}: a window of `poolSize` slid by `strides`
 * over each channel of NHWC images, output size ⌊(W − F + 2P)/S⌋ + 1 per axis (⌈W/S⌉ for 'same').
 *
 * @example
 * ```ts
 * const pool: Pooling2D = new MaxPooling2D();
 * pool.computeOutputShape([[null, 28, 28, 32]]); // [null, 14, 14, 32]
 * ```
 */
export abstract class Pooling2D extends Layer {
  /** What each window reduces to. */
  protected abstract readonly mode: 'max' | 'avg';
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(config: Pooling2DConfig = {}) {
    super(config);
    this.poolSize = checkPair(this.name, 'poolSize', config.poolSize ?? 2);
    this.strides = checkPair(this.name, 'strides', config.strides ?? this.poolSize);
    this.padding = config.padding ?? 'valid';
    if (typeof this.padding !== 'string') {
      const p = checkPair(this.name, 'padding', this.padding, 0);
      // A window wholly inside the padding would have no input cell to pool (Caffe forbids it too).
      if (p.some((v, axis) => v >= this.poolSize[axis]!)) {
        throw new LayerError(
          `${this.name}: padding [${p}] must be less than poolSize [${this.poolSize}] on each axis`,
        );
      }
    }
  }

  computeOutputShape(inputShapes: readonly Shape[]): Shape {
    expectInputs(this, inputShapes);
    const shape = inputShapes[0]!;
    expectRank(this, shape, 4, 'NHWC images [batch, height, width, channels]');
    const [batch, h, w, c] = shape;
    const [ph, pw] = this.poolSize;
    const [sh, sw] = this.strides;
    return [
      batch ?? null,
      outputLength(this.name, 'height', h ?? null, ph, sh, sidePadding(this.padding, 0)),
      outputLength(this.name, 'width', w ?? null, pw, sw, sidePadding(this.padding, 1)),
      c ?? null,
    ];
  }

  call(inputs: readonly tf.Tensor[]): tf.Tensor {
    const x = inputs[0] as tf.Tensor4D;
    if (this.mode === 'max') return tf.maxPool(x, this.poolSize, this.strides, tfPadding(this.padding));
    if (this.padding === 'valid') return tf.avgPool(x, this.poolSize, this.strides, 'valid');
    if (this.padding === 'same') return this.#sameAverage(x);
    // tfjs' explicit padding leaves the margins out of the average; Caffe's counts them as zeros.
    const [ph, pw] = pair(this.padding);
    return tf.avgPool(zeroPad(x, [ph, ph], [pw, pw]), this.poolSize, this.strides, 'valid');
  }

  /**
   * 'same' average pooling, the mean of the window's cells inside the input. Not tf.avgPool(x, 'same'): its
   * gradient (AvgPoolGrad on cpu and wasm alike) divides by the whole window while its forward pass divides
   * by the cells inside, so the gradient check fails by up to 85%. Instead: zero padding, 'valid' pooling
   * (sum / window), then a constant rescaling by window / cells inside, all with correct gradients.
   */
  #sameAverage(x: tf.Tensor4D): tf.Tensor {
    const rows = sameWindows(x.shape[1], this.poolSize[0], this.strides[0]);
    const cols = sameWindows(x.shape[2], this.poolSize[1], this.strides[1]);
    if (rows.pad[0] + rows.pad[1] + cols.pad[0] + cols.pad[1] === 0) {
      return tf.avgPool(x, this.poolSize, this.strides, 'valid');
    }
    const mean = tf.avgPool(zeroPad(x, rows.pad, cols.pad), this.poolSize, this.strides, 'valid');
    const window = this.poolSize[0] * this.poolSize[1];
    const scale = new Float32Array(rows.cells.length * cols.cells.length);
    rows.cells.forEach((r, i) => {
      cols.cells.forEach((c, j) => {
        scale[i * cols.cells.length + j] = window / (r * c);
      });
    });
    return tf.mul(mean, tf.tensor3d(scale, [rows.cells.length, cols.cells.length, 1]));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

/**
 * Max pooling (seed 001): the largest value of each window, per channel.
 *
 * @example
 * ```ts
 * const y = new MaxPooling2D({ poolSize: 2 }).apply(tf.zeros([8, 28, 28, 32])); // [8, 14, 14, 32]
 * ```
 */
export class MaxPooling2D extends Pooling2D {
  readonly className = 'MaxPooling2D';
  protected readonly mode = 'max';
}

/**
 * Average pooling: the mean of each window, per channel (see {@link Pooling2DConfig.padding} for how
 * padded cells count).
 *
 * @example
 * ```ts
 * const y = new AveragePooling2D({ poolSize: 3, strides: 1, padding: 1 }).apply(tf.zeros([1, 8, 8, 4])); // [1, 8, 8, 4]
 * ```
 */
export class AveragePooling2D extends Pooling2D {
  readonly className = 'AveragePooling2D';
  protected readonly mode = 'avg';
}

const zeroPad = (x: tf.Tensor4D, rows: readonly [number, number], cols: readonly [number, number]) =>
  tf.pad(x, [
    [0, 0],
    [rows[0], rows[1]],
    [cols[0], cols[1]],
    [0, 0],
  ]);

/** TensorFlow's 'same' windows along one axis: the padding before and after, and each window's cells inside. */
function sameWindows(
  size: number,
  window: number,
  stride: number,
): { pad: [number, number]; cells: number[] } {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + window - size, 0);
  const before = Math.floor(total / 2);
  const cells = Array.from({ length: out }, (_, i) => {
    const start = i * stride - before;
    return Math.min(start + window, size) - Math.max(start, 0);
  });
  return { pad: [before, total - before], cells };
}

/**
 * The engine of the global poolings: each channel of NHWC images reduced over height and width, giving
 * `[batch, channels]` (GoogLeNet's and ResNet's head in place of fully connected layers).
 *
 * @example
 * ```ts
 * const pool: GlobalPooling2D = new GlobalAveragePooling2D();
 * pool.computeOutputShape([[null, 7, 7, 512]]); // [null, 512]
 * ```
 */
export abstract class GlobalPooling2D extends Layer {
  protected abstract readonly mode: 'max' | 'avg';

  computeOutputShape(inputShapes: readonly Shape[]): Shape {
    expectInputs(this, inputShapes);
    const shape = inputShapes[0]!;
    expectRank(this, shape, 4, 'NHWC images [batch, height, width, channels]');
    if (shape[1] === 0 || shape[2] === 0) throw new ShapeError(this.name, 'cannot pool an empty image');
    return [shape[0] ?? null, shape[3] ?? null];
  }

  call(inputs: readonly tf.Tensor[]): tf.Tensor {
    const x = inputs[0]!;
    return this.mode === 'max' ? tf.max(x, [1, 2]) : tf.mean(x, [1, 2]);
  }
}

/**
 * The mean of each channel over the whole image: `[batch, h, w, c]` → `[batch, c]`.
 *
 * @example
 * ```ts
 * const y = new GlobalAveragePooling2D().apply(tf.ones([2, 7, 7, 512])); // [2, 512] of ones
 * ```
 */
export class GlobalAveragePooling2D extends GlobalPooling2D {
  readonly className = 'GlobalAveragePooling2D';
  protected readonly mode = 'avg';
}

/**
 * The largest value of each channel over the whole image: `[batch, h, w, c]` → `[batch, c]`.
 *
 * @example
 * ```ts
 * const y = new GlobalMaxPooling2D().apply(tf.zeros([2, 7, 7, 512])); // [2, 512]
 * ```
 */
export class GlobalMaxPooling2D extends GlobalPooling2D {
  readonly className = 'GlobalMaxPooling2D';
  protected readonly mode = 'max';
}
