import { biasRelu, type Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { type ActivationFn, type ActivationName, activation, isPlainRelu } from '../activations';
import { LayerError, ShapeError } from '../errors';
import type { Initializer, InitializerLike } from '../initializers';
import { expectInputs, Layer, type LayerConfig, type WeightShape } from '../layer';
import type { Regularizer } from '../regularizers';
import { formatShape, type Shape } from '../shape';

/** Options of {@link Dense}. */
export interface DenseConfig extends LayerConfig {
  /** Number of outputs. */
  units: number;
  /** Applied to the output. Default linear. */
  activation?: ActivationName | ActivationFn;
  /** Add a learned bias per unit. Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform' (Keras' default). */
  kernelInitializer?: InitializerLike | Initializer;
  /** Default 'zeros'. */
  biasInitializer?: InitializerLike | Initializer;
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
}

/**
 * A fully connected layer (seeds 002–003): y = activation(x W + b) on the last axis, W `[in, units]` as
 * Keras and tfjs keep it. Inputs of rank above 2 (`[batch, …, in]`) are applied to each vector of the last
 * axis, `[batch, …, units]` out.
 *
 * @example
 * ```ts
 * const fc = new Dense({ units: 10, activation: 'softmax' });
 * const probabilities = fc.apply(tf.zeros([64, 1024])); // [64, 10]
 * ```
 */
export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  readonly useBias: boolean;
  readonly #config: DenseConfig;
  readonly #activation: ActivationFn;
  #kernel?: tf.Variable;
  #bias?: tf.Variable;

  constructor(config: DenseConfig) {
    super(config);
    if (!Number.isInteger(config.units) || config.units < 1) {
      throw new LayerError(`${this.name}: units must be a positive integer, got ${config.units}`);
    }
    this.#config = config;
    this.units = config.units;
    this.useBias = config.useBias ?? true;
    this.#activation = activation(config.activation);
  }

  /** The kernel, `[in, units]`; exists once the layer is built. */
  get kernel(): tf.Variable {
    if (!this.#kernel) throw new LayerError(`${this.name}: no kernel before the layer is built`);
    return this.#kernel;
  }

  /** The bias, `[units]`, when `useBias`. */
  get bias(): tf.Variable | undefined {
    return this.#bias;
  }

  computeOutputShape(inputShapes: readonly Shape[]): Shape {
    expectInputs(this, inputShapes);
    const shape = inputShapes[0]!;
    if (shape.length < 2) {
      throw new ShapeError(this.name, `expects [batch, …, features] (rank ≥ 2), got ${formatShape(shape)}`);
    }
    if (shape.at(-1) === null) {
      throw new ShapeError(this.name, `needs a known number of input features, got ${formatShape(shape)}`);
    }
    if (this.#kernel && this.#kernel.shape[0] !== shape.at(-1)) {
      throw new ShapeError(
        this.name,
        `was built for ${this.#kernel.shape[0]} input features, got ${formatShape(shape)}`,
      );
    }
    return [...shape.slice(0, -1), this.units];
  }

  override weightShapes(inputShapes: readonly Shape[]): WeightShape[] {
    this.computeOutputShape(inputShapes);
    const kernel = this.weightShape('kernel', [inputShapes[0]!.at(-1) as number, this.units]);
    return this.useBias ? [kernel, this.weightShape('bias', [this.units])] : [kernel];
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
    const x = inputs[0]!;
    const kernel = this.kernel as tf.Tensor2D;
    // Plain matMul with W kept [in, out]: wasm runs the transposed-flag forms 8–10× slower. Rank > 2 folds
    // the leading axes into one, so every vector meets the same single matMul.
    const flat = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, kernel.shape[0]]);
    let y: tf.Tensor = tf.matMul(flat, kernel);
    // Bias and ReLU in one pass where they can (one SIMD kernel on wasm instead of two).
    const fused = this.#bias !== undefined && isPlainRelu(this.#config.activation);
    if (fused) y = biasRelu(y, this.#bias!);
    else if (this.#bias) y = tf.add(y, this.#bias);
    if (x.rank !== 2) y = tf.reshape(y, [...x.shape.slice(0, -1), this.units]);
    return fused ? y : this.#activation(y);
  }

  override getConfig(): Record<string, unknown> {
    const c = this.#config;
    return {
      ...super.getConfig(),
      units: this.units,
      activation: c.activation ?? 'linear',
      useBias: this.useBias,
      kernelInitializer: c.kernelInitializer ?? 'glorotUniform',
      biasInitializer: c.biasInitializer ?? 'zeros',
      kernelRegularizer: c.kernelRegularizer ?? null,
      biasRegularizer: c.biasRegularizer ?? null,
    };
  }
}
