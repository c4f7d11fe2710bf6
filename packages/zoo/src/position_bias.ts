import type { Rng } from '@cnn/core';
import {
  Layer,
  type LayerConfig,
  registerLayer,
  type Shape,
  ShapeError,
  type WeightShape,
} from '@cnn/layers';
import * as tf from '@tensorflow/tfjs-core';

/**
 * A learned bias for every position and channel of an NHWC map, `[height, width, channels]` of them
 * (zeros at first): AlphaGo's policy network ends in a 1×1 convolution "with a different bias for each
 * position" (Silver et al. 2016, Methods), 361 biases on a 19×19 board, where a convolution's bias is
 * one per filter.
 *
 * @example
 * ```ts
 * const y = new PositionBias({ name: 'bias' }).apply(new Conv2D({ filters: 1, kernelSize: 1, useBias: false }).apply(h));
 * ```
 */
export class PositionBias extends Layer {
  readonly className = 'PositionBias';
  #bias?: tf.Variable;

  constructor(config: LayerConfig = {}) {
    super(config);
  }

  computeOutputShape(inputShapes: readonly Shape[]): Shape {
    const shape = inputShapes[0];
    if (inputShapes.length !== 1 || shape?.length !== 4 || shape.slice(1).some((d) => d === null)) {
      throw new ShapeError(this.name, 'takes one NHWC input of known height, width and channels');
    }
    if (this.#bias?.shape.some((d, i) => d !== shape[i + 1])) {
      throw new ShapeError(
        this.name,
        `was built for [${this.#bias.shape}] positions, got [${shape.slice(1)}]`,
      );
    }
    return shape;
  }

  override weightShapes(inputShapes: readonly Shape[]): WeightShape[] {
    const shape = this.computeOutputShape(inputShapes);
    return [this.weightShape('bias', shape.slice(1) as number[])];
  }

  protected override build(inputShapes: readonly Shape[], rng: Rng): void {
    this.#bias = this.addWeight('bias', this.weightShapes(inputShapes)[0]!.shape, 'zeros', rng);
  }

  call([x]: readonly tf.Tensor[]): tf.Tensor {
    return tf.add(x!, this.#bias!);
  }
}

registerLayer('PositionBias', (config) => new PositionBias(config as LayerConfig));
