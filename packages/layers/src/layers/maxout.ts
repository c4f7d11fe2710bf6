import * as tf from '@tensorflow/tfjs-core';
import { LayerError, ShapeError } from '../errors';
import { expectInputs, Layer, type LayerConfig } from '../layer';
import { formatShape, type Shape } from '../shape';

/** Options of {@link Maxout}. */
export interface MaxoutConfig extends LayerConfig {
  /** k: the number of linear pieces each output is the max of. The input's channels must be a multiple. */
  pieces: number;
}

/**
 * Maxout (Goodfellow et al. 2013, seed 000): each output channel is the max of k consecutive input
 * channels, so C input channels give C/k outputs. Channel j of the output is max over input channels
 * [j·k, (j + 1)·k): the grouping of tf.contrib's and TensorFlow Addons' `maxout` (a reshape of the last
 * axis to [C/k, k]). Put it after a Dense or Conv2D with k times the units or filters wanted, and no
 * activation: the affine pieces and their max together are the maxout unit.
 *
 * @example
 * ```ts
 * const x = input({ shape: [784] });
 * const h = new Maxout({ pieces: 5 }).apply(new Dense({ units: 240 * 5 }).apply(x));   // [null, 240]
 * ```
 */
export class Maxout extends Layer {
  readonly className = 'Maxout';
  readonly pieces: number;

  constructor(config: MaxoutConfig) {
    super(config);
    if (!Number.isInteger(config.pieces) || config.pieces < 1) {
      throw new LayerError(`Maxout: pieces must be a positive integer, got ${config.pieces}`);
    }
    this.pieces = config.pieces;
  }

  computeOutputShape(inputShapes: readonly Shape[]): Shape {
    expectInputs(this, inputShapes);
    const shape = inputShapes[0]!;
    const channels = shape.at(-1);
    if (shape.length < 2 || channels === null || channels === undefined) {
      throw new ShapeError(this.name, `needs a known last (channel) axis, got ${formatShape(shape)}`);
    }
    if (channels % this.pieces !== 0) {
      throw new ShapeError(
        this.name,
        `the ${channels} channels of its input ${formatShape(shape)} are not a multiple of pieces = ${this.pieces}`,
      );
    }
    return [...shape.slice(0, -1), channels / this.pieces];
  }

  call([x]: readonly tf.Tensor[]): tf.Tensor {
    const shape = x!.shape;
    const channels = shape.at(-1)!;
    const grouped = tf.reshape(x!, [...shape.slice(0, -1), channels / this.pieces, this.pieces]);
    return tf.max(grouped, -1);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), pieces: this.pieces };
  }
}
