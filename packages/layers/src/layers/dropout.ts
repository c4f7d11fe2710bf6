import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { LayerError, ShapeError } from '../errors';
import { type CallOptions, expectInputs, Layer, type LayerConfig } from '../layer';
import { formatShape, type Shape } from '../shape';

/**
 * The generator a training-mode call draws from: the caller's (`fit` passes a seeded one), else a fresh
 * one from the platform's entropy, so a quick `apply(x, { training: true })` works but does not repeat.
 *
 * @example
 * ```ts
 * const keep = trainingRng(options).float() >= rate;
 * ```
 */
export function trainingRng(options: CallOptions): Rng {
  return options.rng ?? Rng.fromEntropy();
}

/**
 * Throws a LayerError naming the layer unless `rate` is a probability in [0, 1); returns it.
 *
 * @example
 * ```ts
 * this.rate = checkRate(this.name, config.rate);
 * ```
 */
export function checkRate(layer: string, rate: number): number {
  if (!(rate >= 0 && rate < 1)) throw new LayerError(`${layer}: rate must be in [0, 1), got ${rate}`);
  return rate;
}

/** Options of {@link Dropout}. */
export interface DropoutConfig extends LayerConfig {
  /** The fraction of units dropped, in [0, 1). */
  rate: number;
  /**
   * The shape of the mask, broadcast over the input (batch axis included): `[null, 1, 1, null]` drops
   * whole feature maps (spatial dropout). `null` entries take the input's size. Default: the input's shape.
   */
  noiseShape?: readonly (number | null)[];
}

/**
 * Dropout (Srivastava et al. 2014): in training, zeroes each unit with probability `rate` and scales the
 * survivors by 1/(1 − rate) ("inverted" dropout), so inference is the identity: no rescaling at test
 * time. The mask comes from `tf.dropout` seeded by `CallOptions.rng`, so a seeded `fit` repeats exactly,
 * on every backend. Outside training the layer returns its input tensor itself.
 *
 * @example
 * ```ts
 * const layer = new Dropout({ rate: 0.5 });
 * const y = layer.apply(x, { training: true, rng: new Rng(0) });   // half the units 0, the rest ×2
 * ```
 */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;
  readonly noiseShape: readonly (number | null)[] | undefined;

  constructor(config: DropoutConfig) {
    super(config);
    this.rate = checkRate(this.name, config.rate);
    this.noiseShape = config.noiseShape;
  }

  computeOutputShape(inputShapes: readonly Shape[]): Shape {
    expectInputs(this, inputShapes);
    const shape = inputShapes[0]!;
    const noise = this.noiseShape;
    if (noise) {
      const fits =
        noise.length === shape.length &&
        noise.every((n, i) => n === null || n === 1 || shape[i] === null || n === shape[i]);
      if (!fits) {
        throw new ShapeError(
          this.name,
          `noiseShape ${formatShape(noise)} does not broadcast over its input ${formatShape(shape)}: ` +
            'each axis must be 1, null or the input’s size',
        );
      }
    }
    return shape;
  }

  call([x]: readonly tf.Tensor[], options: CallOptions = {}): tf.Tensor {
    if (!options.training || this.rate === 0) return x!;
    // tf.dropout fills null axes of noiseShape from the input; its types want numbers.
    const noise = this.noiseShape as number[] | undefined;
    return tf.dropout(x!, this.rate, noise, trainingRng(options).nextSeed());
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, noiseShape: this.noiseShape ?? null };
  }
}
