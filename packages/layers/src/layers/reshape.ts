import * as tf from '@tensorflow/tfjs-core';
import { LayerError, ShapeError } from '../errors';
import { expectInputs, expectRank, Layer, type LayerConfig } from '../layer';
import { formatShape, type Shape } from '../shape';

/** Product of the axes after the batch axis, or null if one is unknown. */
function valuesPerExample(shape: Shape): number | null {
  let n = 1;
  for (const d of shape.slice(1)) {
    if (d === null) return null;
    n *= d;
  }
  return n;
}

/**
 * Flattens each example to a vector: `[batch, …]` → `[batch, product of the other axes]`, the bridge
 * from convolutional to dense layers (row-major, NHWC order, as Keras flattens channels-last images).
 *
 * @example
 * ```ts
 * const y = new Flatten().apply(tf.zeros([64, 7, 7, 64])); // [64, 3136]
 * ```
 */
export class Flatten extends Layer {
  readonly className = 'Flatten';

  computeOutputShape(inputShapes: readonly Shape[]): Shape {
    expectInputs(this, inputShapes);
    const shape = inputShapes[0]!;
    if (shape.length < 1) throw new ShapeError(this.name, 'expects a batch axis, got a scalar');
    return [shape[0] ?? null, valuesPerExample(shape)];
  }

  call(inputs: readonly tf.Tensor[]): tf.Tensor {
    const x = inputs[0]!;
    return tf.reshape(x, [x.shape[0]!, -1]);
  }
}

/** Options of {@link Reshape}. */
export interface ReshapeConfig extends LayerConfig {
  /** Each example's new shape, the batch axis left out; one axis may be -1, inferred from the size. */
  targetShape: readonly number[];
}

/**
 * Reshapes each example to `targetShape` (batch axis kept), in row-major order. One axis may be -1, to be
 * inferred; the sizes must agree, or a {@link ShapeError} shows the count.
 *
 * @example
 * ```ts
 * const y = new Reshape({ targetShape: [28, 28, 1] }).apply(tf.zeros([32, 784])); // [32, 28, 28, 1]
 * ```
 */
export class Reshape extends Layer {
  readonly className = 'Reshape';
  readonly targetShape: readonly number[];

  constructor(config: ReshapeConfig) {
    super(config);
    const target = [...config.targetShape];
    if (!target.every((d) => d === -1 || (Number.isInteger(d) && d > 0))) {
      throw new LayerError(`${this.name}: targetShape takes positive integers and one -1, got [${target}]`);
    }
    if (target.filter((d) => d === -1).length > 1) {
      throw new LayerError(`${this.name}: targetShape may infer one axis (-1), got [${target}]`);
    }
    this.targetShape = target;
  }

  computeOutputShape(inputShapes: readonly Shape[]): Shape {
    expectInputs(this, inputShapes);
    const shape = inputShapes[0]!;
    if (shape.length < 1) throw new ShapeError(this.name, 'expects a batch axis, got a scalar');
    const total = valuesPerExample(shape);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const target = `[${this.targetShape.join(', ')}]`;
    const inferred = this.targetShape.includes(-1);
    if (total === null) {
      return [shape[0] ?? null, ...this.targetShape.map((d) => (d === -1 ? null : d))];
    }
    if (inferred ? total % known !== 0 : total !== known) {
      throw new ShapeError(
        this.name,
        inferred
          ? `cannot reshape ${formatShape(shape)} to ${target}: ${total} values per example are not a multiple of ${known}`
          : `cannot reshape ${formatShape(shape)} to ${target}: ${total} values per example, ${target} holds ${known}`,
      );
    }
    return [shape[0] ?? null, ...this.targetShape.map((d) => (d === -1 ? total / known : d))];
  }

  call(inputs: readonly tf.Tensor[]): tf.Tensor {
    const x = inputs[0]!;
    return tf.reshape(x, [x.shape[0]!, ...this.targetShape]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), targetShape: [...this.targetShape] };
  }
}

/** Zero padding on each side: one number for all, [ph, pw] per axis, or [[top, bottom], [left, right]]. */
export type ZeroPadding =
  | number
  | readonly [number, number]
  | readonly [readonly [number, number], readonly [number, number]];

/** Options of {@link ZeroPadding2D}. */
export interface ZeroPadding2DConfig extends LayerConfig {
  /** Default 1 (one row and column of zeros on every side). */
  padding?: ZeroPadding;
}

/**
 * Adds rows and columns of zeros around NHWC images (VGG's and ResNet's explicit padding before a
 * 'valid' convolution or pooling): `[b, h, w, c]` → `[b, h + top + bottom, w + left + right, c]`.
 *
 * @example
 * ```ts
 * const y = new ZeroPadding2D({ padding: [[1, 2], [0, 3]] }).apply(tf.ones([1, 4, 4, 3])); // [1, 7, 7, 3]
 * ```
 */
export class ZeroPadding2D extends Layer {
  readonly className = 'ZeroPadding2D';
  /** `[[top, bottom], [left, right]]`. */
  readonly padding: [[number, number], [number, number]];

  constructor(config: ZeroPadding2DConfig = {}) {
    super(config);
    const p = config.padding ?? 1;
    const side = (v: number | readonly [number, number]): [number, number] =>
      typeof v === 'number' ? [v, v] : [v[0], v[1]];
    const padding: [[number, number], [number, number]] =
      typeof p === 'number' ? [side(p), side(p)] : [side(p[0]), side(p[1])];
    if (!padding.flat().every((v) => Number.isInteger(v) && v >= 0)) {
      throw new LayerError(`${this.name}: padding must be non-negative integers, got ${JSON.stringify(p)}`);
    }
    this.padding = padding;
  }

  computeOutputShape(inputShapes: readonly Shape[]): Shape {
    expectInputs(this, inputShapes);
    const shape = inputShapes[0]!;
    expectRank(this, shape, 4, 'NHWC images [batch, height, width, channels]');
    const [batch, h, w, c] = shape;
    const [[top, bottom], [left, right]] = this.padding;
    return [
      batch ?? null,
      h == null ? null : h + top + bottom,
      w == null ? null : w + left + right,
      c ?? null,
    ];
  }

  call(inputs: readonly tf.Tensor[]): tf.Tensor {
    const [rows, cols] = this.padding;
    return tf.pad(inputs[0]!, [[0, 0], rows, cols, [0, 0]]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.padding.map((p) => [...p]) };
  }
}
