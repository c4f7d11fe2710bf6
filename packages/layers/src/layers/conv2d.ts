import { biasRelu, type Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { type ActivationFn, type ActivationName, activation, isPlainRelu } from '../activations';
import { LayerError, ShapeError } from '../errors';
import type { Initializer, InitializerLike } from '../initializers';
import { expectInputs, expectRank, Layer, type LayerConfig, type WeightShape } from '../layer';
import type { Regularizer } from '../regularizers';
import { outputLength, type Padding, type Pair, pair, type Shape, sidePadding } from '../shape';

/** tfjs' explicit padding: `[[0, 0], [top, bottom], [left, right], [0, 0]]` for NHWC. */
export type TfPadding =
  | 'same'
  | 'valid'
  | [[number, number], [number, number], [number, number], [number, number]];

/**
 * A layer's `padding` option as tfjs' conv and pool ops take it. Explicit padding goes to the op itself
 * rather than through `tf.pad`: no padded copy of the input is made; the backend pads as it goes.
 *
 * @example
 * ```ts
 * tfPadding([1, 2]); // [[0, 0], [1, 1], [2, 2], [0, 0]]
 * ```
 */
export function tfPadding(padding: Padding): TfPadding {
  if (padding === 'same' || padding === 'valid') return padding;
  const [ph, pw] = pair(padding);
  return [
    [0, 0],
    [ph, ph],
    [pw, pw],
    [0, 0],
  ];
}

/**
 * Checks a size option (kernel, stride, dilation, padding) is a positive integer, or a non-negative one
 * with `min` 0, per spatial axis; throws a {@link LayerError} naming the layer and the option.
 *
 * @example
 * ```ts
 * checkPair('conv2d', 'strides', [2, 2]); // [2, 2]
 * ```
 */
export function checkPair(layer: string, option: string, value: Pair, min = 1): [number, number] {
  const p = pair(value);
  if (!p.every((v) => Number.isInteger(v) && v >= min)) {
    throw new LayerError(
      `${layer}: ${option} must be ${min === 0 ? 'non-negative' : 'positive'} integers, got ${String(value)}`,
    );
  }
  return p;
}

/** Options of {@link Conv2D}. */
export interface Conv2DConfig extends LayerConfig {
  /** Number of output channels. */
  filters: number;
  /** Window height and width (one number for a square window). */
  kernelSize: Pair;
  /** Steps of the window. Default 1. */
  strides?: Pair;
  /** 'valid' (default), 'same', or explicit zero padding P (one number, or [ph, pw]). */
  padding?: Padding;
  /** Spacing of the window's taps (atrous convolution). Default 1. tfjs takes strides or dilation above 1, not both. */
  dilationRate?: Pair;
  /** Input channels and filters split into this many groups convolved apart (AlexNet's two towers). Default 1. */
  groups?: number;
  /** Add a learned bias per filter. Default true. */
  useBias?: boolean;
  /** Applied to the output. Default linear. */
  activation?: ActivationName | ActivationFn;
  /** Default 'glorotUniform' (Keras' default). */
  kernelInitializer?: InitializerLike | Initializer;
  /** Default 'zeros'. */
  biasInitializer?: InitializerLike | Initializer;
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
}

/**
 * A 2-D convolution over NHWC images (seed 001): `filters` kernels of shape [kh, kw, inC / groups]
 * slide over the input, output size ⌊(W − F + 2P)/S⌋ + 1 per axis. The kernel is kept as Keras and tfjs
 * keep it, HWIO `[kh, kw, inC / groups, filters]`, so Keras weights load as they are. With `groups` g the
 * input channels and the filters are split into g groups and group k of filters sees only group k of
 * channels (AlexNet's two towers); their outputs are concatenated.
 *
 * @example
 * ```ts
 * const conv = new Conv2D({ filters: 32, kernelSize: 5, padding: 'same', activation: 'relu' });
 * const y = conv.apply(tf.zeros([8, 28, 28, 1])); // [8, 28, 28, 32]
 * ```
 */
export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly groups: number;
  readonly useBias: boolean;
  readonly #config: Conv2DConfig;
  readonly #activation: ActivationFn;
  #kernel?: tf.Variable;
  #bias?: tf.Variable;

  constructor(config: Conv2DConfig) {
    super(config);
    this.#config = config;
    if (!Number.isInteger(config.filters) || config.filters < 1) {
      throw new LayerError(`${this.name}: filters must be a positive integer, got ${config.filters}`);
    }
    this.filters = config.filters;
    this.kernelSize = checkPair(this.name, 'kernelSize', config.kernelSize);
    this.strides = checkPair(this.name, 'strides', config.strides ?? 1);
    this.dilationRate = checkPair(this.name, 'dilationRate', config.dilationRate ?? 1);
    this.padding = config.padding ?? 'valid';
    if (typeof this.padding !== 'string') checkPair(this.name, 'padding', this.padding, 0);
    this.groups = config.groups ?? 1;
    this.useBias = config.useBias ?? true;
    this.#activation = activation(config.activation);
    if (!Number.isInteger(this.groups) || this.groups < 1) {
      throw new LayerError(`${this.name}: groups must be a positive integer, got ${this.groups}`);
    }
    if (this.filters % this.groups !== 0) {
      throw new ShapeError(
        this.name,
        `filters (${this.filters}) must divide into ${this.groups} groups: ${this.filters} / ${this.groups} is not an integer`,
      );
    }
    // TensorFlow's convolution kernels (and tfjs') take one or the other; say so before any tensor exists.
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) {
      throw new LayerError(
        `${this.name}: strides [${this.strides}] and dilationRate [${this.dilationRate}] cannot both exceed 1`,
      );
    }
  }

  /** The kernel, `[kh, kw, inC / groups, filters]`; exists once the layer is built. */
  get kernel(): tf.Variable {
    if (!this.#kernel) throw new LayerError(`${this.name}: no kernel before the layer is built`);
    return this.#kernel;
  }

  /** The bias, `[filters]`, when `useBias`. */
  get bias(): tf.Variable | undefined {
    return this.#bias;
  }

  computeOutputShape(inputShapes: readonly Shape[]): Shape {
    expectInputs(this, inputShapes);
    const shape = inputShapes[0]!;
    expectRank(this, shape, 4, 'NHWC images [batch, height, width, channels]');
    const [batch, h, w, c] = shape;
    if (c === null || c === undefined)
      throw new ShapeError(this.name, 'needs a known number of input channels');
    if (c % this.groups !== 0) {
      throw new ShapeError(
        this.name,
        `its ${c} input channels do not divide into ${this.groups} groups: ${c} / ${this.groups} is not an integer`,
      );
    }
    if (this.#kernel && this.#kernel.shape[2]! * this.groups !== c) {
      throw new ShapeError(
        this.name,
        `was built for ${this.#kernel.shape[2]! * this.groups} input channels, got ${c}`,
      );
    }
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.strides;
    const [dh, dw] = this.dilationRate;
    return [
      batch ?? null,
      outputLength(this.name, 'height', h ?? null, kh, sh, sidePadding(this.padding, 0), dh),
      outputLength(this.name, 'width', w ?? null, kw, sw, sidePadding(this.padding, 1), dw),
      this.filters,
    ];
  }

  override weightShapes(inputShapes: readonly Shape[]): WeightShape[] {
    this.computeOutputShape(inputShapes);
    const channels = inputShapes[0]![3] as number;
    const [kh, kw] = this.kernelSize;
    const kernel = this.weightShape('kernel', [kh, kw, channels / this.groups, this.filters]);
    return this.useBias ? [kernel, this.weightShape('bias', [this.filters])] : [kernel];
  }

  protected override build(inputShapes: readonly Shape[], rng: Rng): void {
    const [kernel, bias] = this.weightShapes(inputShapes);
    this.#kernel = this.addWeight(
      'kernel',
      kernel!.shape,
      this.#config.kernelInitializer ?? 'glorotUniform',
      rng,
      { regularizer: this.#config.kernelRegularizer },
    );
    if (bias) {
      this.#bias = this.addWeight('bias', bias.shape, this.#config.biasInitializer ?? 'zeros', rng, {
        regularizer: this.#config.biasRegularizer,
      });
    }
  }

  call(inputs: readonly tf.Tensor[]): tf.Tensor {
    const x = inputs[0] as tf.Tensor4D;
    const kernel = this.kernel as tf.Tensor4D;
    const pad = tfPadding(this.padding);
    const conv = (xs: tf.Tensor4D, k: tf.Tensor4D) =>
      tf.conv2d(xs, k, this.strides, pad, 'NHWC', this.dilationRate);
    // conv2d + add rather than tf.fused.conv2d: a training step of the MNIST CNN's second conv on wasm
    // took ~185 ms against ~260 ms fused (fused differentiates through its own, slower path), and the
    // forward passes were equal; fused also refuses to differentiate dilated convolutions.
    let y: tf.Tensor;
    if (this.groups === 1) {
      y = conv(x, kernel);
    } else {
      const ks = tf.split<tf.Tensor4D>(kernel, this.groups, 3);
      y = tf.concat(
        tf.split<tf.Tensor4D>(x, this.groups, 3).map((xg, g) => conv(xg, ks[g]!)),
        3,
      );
    }
    // Bias and ReLU in one pass where they can (one SIMD kernel on wasm instead of two).
    if (this.#bias && isPlainRelu(this.#config.activation)) return biasRelu(y, this.#bias);
    if (this.#bias) y = tf.add(y, this.#bias);
    return this.#activation(y);
  }

  override getConfig(): Record<string, unknown> {
    const c = this.#config;
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      groups: this.groups,
      activation: c.activation ?? 'linear',
      useBias: this.useBias,
      kernelInitializer: c.kernelInitializer ?? 'glorotUniform',
      biasInitializer: c.biasInitializer ?? 'zeros',
      kernelRegularizer: c.kernelRegularizer ?? null,
      biasRegularizer: c.biasRegularizer ?? null,
    };
  }
}
