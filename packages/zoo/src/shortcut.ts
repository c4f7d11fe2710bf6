import {
  type CallOptions,
  Layer,
  type LayerConfig,
  registerLayer,
  type Shape,
  ShapeError,
} from '@cnn/layers';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link ZeroPadShortcut}. */
export interface ZeroPadShortcutConfig extends LayerConfig {
  /** Channels out: the input's, zero padded at the end. */
  filters: number;
  /** Subsampling step on each spatial axis (every `strides`-th pixel is kept). Default 1. */
  strides?: number;
}

/**
 * He et al.'s option A shortcut (2016, §3.3 and §4.2, their CIFAR networks): the identity, subsampled by
 * `strides` and zero padded to `filters` channels where a residual block widens and shrinks the map. No
 * parameters, so a CIFAR ResNet has as many as its plain twin.
 *
 * @example
 * ```ts
 * const shortcut = new ZeroPadShortcut({ filters: 32, strides: 2 }).apply(x);   // [n, 32, 32, 16] → [n, 16, 16, 32]
 * ```
 */
export class ZeroPadShortcut extends Layer {
  readonly className = 'ZeroPadShortcut';
  readonly filters: number;
  readonly strides: number;

  constructor(config: ZeroPadShortcutConfig) {
    super(config);
    this.filters = config.filters;
    this.strides = config.strides ?? 1;
  }

  computeOutputShape(inputShapes: readonly Shape[]): Shape {
    const shape = inputShapes[0];
    if (inputShapes.length !== 1 || shape?.length !== 4 || shape[3] === null) {
      throw new ShapeError(this.name, `takes one NHWC input with known channels, got ${inputShapes.length}`);
    }
    if (shape[3]! > this.filters) {
      throw new ShapeError(this.name, `pads ${shape[3]} channels up to ${this.filters}: fewer than it has`);
    }
    const side = (d: number | null) => (d === null ? null : Math.ceil(d / this.strides));
    return [shape[0]!, side(shape[1]!), side(shape[2]!), this.filters];
  }

  call([x]: readonly tf.Tensor[], _options?: CallOptions): tf.Tensor {
    // A 1×1 average pool of stride s is the subsampling x[:, ::s, ::s] (and differentiable on every backend).
    const sub = this.strides === 1 ? x! : tf.avgPool(x as tf.Tensor4D, 1, this.strides, 'valid');
    const extra = this.filters - x!.shape[3]!;
    return extra === 0
      ? sub
      : tf.pad(sub, [
          [0, 0],
          [0, 0],
          [0, 0],
          [0, extra],
        ]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, strides: this.strides };
  }
}

registerLayer('ZeroPadShortcut', (config) => new ZeroPadShortcut(config as unknown as ZeroPadShortcutConfig));
