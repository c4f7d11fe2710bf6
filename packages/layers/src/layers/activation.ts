import * as tf from '@tensorflow/tfjs-core';
import { type ActivationFn, type ActivationName, activation } from '../activations';
import { LayerError, ShapeError } from '../errors';
import { type CallOptions, expectInputs, Layer, type LayerConfig } from '../layer';
import type { Shape } from '../shape';

/** Options of {@link Activation}. */
export interface ActivationConfig extends LayerConfig {
  /** A name from the activations table (`'relu'`, `'tanh'`, `'leaky_relu'` …) or a function of one tensor. */
  activation: ActivationName | ActivationFn;
}

/**
 * An activation as a layer of its own: the engine the presets {@link ReLU}, {@link LeakyReLU},
 * {@link ELU} and {@link Softmax} are made of. Elementwise (or along one axis, for softmax): the output
 * has the input's shape.
 *
 * @example
 * ```ts
 * const y = new Activation({ activation: 'tanh' }).apply(tf.tensor2d([[-1, 0, 1]]));
 * ```
 */
export class Activation extends Layer {
  readonly className: string = 'Activation';
  /** The function applied; presets build theirs from their options. */
  protected readonly fn: ActivationFn;
  readonly #name: string;

  constructor(config: ActivationConfig) {
    super(config);
    this.fn = activation(config.activation);
    // A function has no Keras name; its JS name is the best a config can say about it.
    this.#name =
      typeof config.activation === 'string' ? config.activation : config.activation.name || 'custom';
  }

  computeOutputShape(inputShapes: readonly Shape[]): Shape {
    expectInputs(this, inputShapes);
    return inputShapes[0]!;
  }

  call([x]: readonly tf.Tensor[], _options: CallOptions = {}): tf.Tensor {
    return this.fn(x!);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.#name };
  }

  /** The layer-level config without the `activation` key, for presets whose Keras config has none. */
  protected baseConfig(): Record<string, unknown> {
    const { activation: _, ...rest } = super.getConfig();
    return rest;
  }
}

/** Options of {@link ReLU}. */
export interface ReLUConfig extends LayerConfig {
  /** Clip the output at this value (`maxValue: 6` is ReLU6). Default: no clipping. */
  maxValue?: number;
}

/**
 * The rectified linear unit max(0, x), optionally clipped at `maxValue`. It runs the `'relu'` activation,
 * looked up at each call: the same function (the tfjs `Relu` kernel) as the `activation: 'relu'` option
 * of the other layers, so a visualisation that redirects ReLU's gradient (deconvnet, guided backprop)
 * replaces both at once with {@link withActivation}.
 *
 * @example
 * ```ts
 * const y = new ReLU().apply(tf.tensor1d([-2, 3]));   // [0, 3]
 * ```
 */
export class ReLU extends Activation {
  override readonly className = 'ReLU';
  readonly maxValue: number | undefined;

  constructor(config: ReLUConfig = {}) {
    const { maxValue } = config;
    if (maxValue !== undefined && !(maxValue >= 0)) {
      throw new LayerError(`ReLU: maxValue must be a number ≥ 0, got ${maxValue}`);
    }
    // Resolved by name: looked up at each call, so withActivation('relu', …) reaches this layer too.
    const relu = activation('relu');
    super({
      ...config,
      activation: maxValue === undefined ? relu : (x) => tf.minimum(relu(x), maxValue),
    });
    this.maxValue = maxValue;
  }

  override getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), maxValue: this.maxValue ?? null };
  }
}

/** Options of {@link LeakyReLU} and {@link ELU}. */
export interface AlphaConfig extends LayerConfig {
  /** The slope (LeakyReLU) or the negative saturation value (ELU). */
  alpha?: number;
}

/**
 * Leaky ReLU: x for x > 0, α·x otherwise (Keras' default α = 0.3).
 *
 * @example
 * ```ts
 * const y = new LeakyReLU({ alpha: 0.1 }).apply(tf.tensor1d([-2, 3]));   // [-0.2, 3]
 * ```
 */
export class LeakyReLU extends Activation {
  override readonly className = 'LeakyReLU';
  readonly alpha: number;

  constructor(config: AlphaConfig = {}) {
    const alpha = config.alpha ?? 0.3;
    super({ ...config, activation: (x) => tf.leakyRelu(x, alpha) });
    this.alpha = alpha;
  }

  override getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), alpha: this.alpha };
  }
}

/**
 * The exponential linear unit (Clevert et al. 2015): x for x > 0, α·(eˣ − 1) otherwise (default α = 1).
 *
 * @example
 * ```ts
 * const y = new ELU({ alpha: 0.5 }).apply(tf.tensor1d([-1, 2]));   // [0.5·(e⁻¹ − 1), 2]
 * ```
 */
export class ELU extends Activation {
  override readonly className = 'ELU';
  readonly alpha: number;

  constructor(config: AlphaConfig = {}) {
    const alpha = config.alpha ?? 1;
    // tf.elu has α = 1 built in; another α scales its negative side only: elu(x)·(α + (1 − α)·step(x)).
    // step, not a comparison: comparisons have no gradient in tfjs, step's is zero.
    const fn: ActivationFn =
      alpha === 1 ? (x) => tf.elu(x) : (x) => tf.mul(tf.elu(x), tf.add(alpha, tf.mul(1 - alpha, tf.step(x))));
    super({ ...config, activation: fn });
    this.alpha = alpha;
  }

  override getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), alpha: this.alpha };
  }
}

/** Options of {@link Softmax}. */
export interface SoftmaxConfig extends LayerConfig {
  /** The axis normalised over. Default -1 (the last). */
  axis?: number;
}

/**
 * Softmax along one axis: exp(xᵢ) / Σⱼ exp(xⱼ). The last axis uses tfjs' softmax kernel; another axis is
 * computed as exp(x − logSumExp(x)), which stays finite for large logits too.
 *
 * @example
 * ```ts
 * const p = new Softmax().apply(tf.tensor2d([[1, 2, 3]]));   // rows sum to 1
 * ```
 */
export class Softmax extends Activation {
  override readonly className = 'Softmax';
  readonly axis: number;

  constructor(config: SoftmaxConfig = {}) {
    const axis = config.axis ?? -1;
    super({
      ...config,
      activation: (x) => {
        const a = axis < 0 ? axis + x.rank : axis;
        if (a === x.rank - 1) return tf.softmax(x);
        return tf.exp(tf.sub(x, tf.logSumExp(x, a, true)));
      },
    });
    this.axis = axis;
  }

  override computeOutputShape(inputShapes: readonly Shape[]): Shape {
    const shape = super.computeOutputShape(inputShapes);
    if (this.axis >= shape.length || this.axis < -shape.length) {
      throw new ShapeError(
        this.name,
        `axis ${this.axis} is out of range for an input of rank ${shape.length}`,
      );
    }
    return shape;
  }

  override getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), axis: this.axis };
  }
}
