import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { LayerError, ShapeError } from './errors';
import { type Initializer, type InitializerLike, initializer } from './initializers';
import type { Regularizer } from './regularizers';
import { formatShape, type Shape } from './shape';
import { SymbolicTensor } from './symbolic';

/** Options every layer takes. */
export interface LayerConfig {
  /** Unique within a model; default: the class in snake case with a counter (`conv2d_3`). */
  name?: string;
  /** False freezes the layer's weights in training. Default true. */
  trainable?: boolean;
}

/** How a layer is being called. */
export interface CallOptions {
  /** Training mode: dropout drops, batch normalisation uses and updates batch statistics. */
  training?: boolean;
  /** Randomness of training-mode layers (dropout, drop-path); seeded by `fit`. */
  rng?: Rng;
  /**
   * Set by `Model.run` for a layer that chose its inputs ({@link Layer.keptInputs}): the indices, in
   * order, of the inputs it kept; `call` then gets those inputs only and must use this choice rather
   * than draw again.
   */
  kept?: readonly number[];
}

/** A weight a layer makes when built, as its name and shape only: see {@link Layer.weightShapes}. */
export interface WeightShape {
  /** `layer/name`, as {@link Weight.name}. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly trainable: boolean;
}

/** One weight of a layer. */
export interface Weight {
  /** `layer/name`, as Keras and the tfjs layers format name it (`conv2d_1/kernel`). */
  readonly name: string;
  readonly variable: tf.Variable;
  readonly trainable: boolean;
  readonly regularizer?: Regularizer;
}

const counters = new Map<string, number>();
let nextVariable = 0;

/** A fresh default name for a layer of a class: `conv2d`, `conv2d_1`, … */
function uniqueName(className: string): string {
  // Keras' snake case: Conv2D → conv2d, MaxPooling2D → max_pooling2d, BatchNormalization → batch_normalization.
  const base = className
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
  const n = counters.get(base) ?? 0;
  counters.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

/**
 * The base of every layer: a named function of one or more tensors with weights made on first use. A
 * layer called on tensors computes (building its weights for their shape first); called on
 * {@link SymbolicTensor}s it adds itself to a model graph. Subclasses give `className` (Keras' name),
 * `computeOutputShape`, `call`, and `build`/`getConfig` where they have weights or options.
 */
export abstract class Layer {
  abstract readonly className: string;
  readonly name: string;
  trainable: boolean;
  #weights: Weight[] = [];
  #built = false;
  #uses = 0;

  constructor(config: LayerConfig = {}) {
    this.name = config.name ?? uniqueName(this.constructor.name);
    this.trainable = config.trainable ?? true;
  }

  /** Every weight, in creation order. */
  get weights(): readonly Weight[] {
    return this.#weights;
  }

  /** The weights training updates: none when the layer is frozen. */
  get trainableWeights(): readonly Weight[] {
    return this.trainable ? this.weights.filter((w) => w.trainable) : [];
  }

  get built(): boolean {
    return this.#built;
  }

  /** The number of weights' values. */
  countParams(): number {
    return this.weights.reduce((n, w) => n + w.variable.size, 0);
  }

  /**
   * The weights this layer makes when built for these input shapes, in creation order, as names and
   * shapes: nothing is allocated, so a graph's parameters can be counted before (or without) building it.
   * Layers with weights derive `build` from it, so the two cannot disagree.
   *
   * @example
   * ```ts
   * new Conv2D({ filters: 64, kernelSize: 3 }).weightShapes([[null, 224, 224, 3]]);
   * // [{ name: 'conv2d/kernel', shape: [3, 3, 3, 64], trainable: true }, { name: 'conv2d/bias', shape: [64], … }]
   * ```
   */
  weightShapes(_inputShapes: readonly Shape[]): WeightShape[] {
    return [];
  }

  /** A {@link WeightShape} of this layer, named `layer/name`. */
  protected weightShape(name: string, shape: readonly number[], trainable = true): WeightShape {
    return { name: `${this.name}/${name}`, shape, trainable };
  }

  /** The output shape for these input shapes (batch axis `null`); throws {@link ShapeError} if they do not fit. */
  abstract computeOutputShape(inputShapes: readonly Shape[]): Shape;

  /**
   * Optional: in a training-mode `Model.run`, which of its `count` inputs this layer will use this step
   * (ascending indices), or undefined for all. A model asks every such layer before computing anything,
   * in graph order, and computes only what the kept inputs need: a dropped residual branch or drop-path
   * column costs no time and its weights get no gradient. The layer's `call` then receives the kept
   * inputs alone with the choice in `options.kept`.
   *
   * @example
   * ```ts
   * override keptInputs(count: number, options: CallOptions): number[] {
   *   return trainingRng(options).float() < 0.5 ? [0] : [0, 1];   // drop input 1 half the time
   * }
   * ```
   */
  keptInputs?(count: number, options: CallOptions): readonly number[] | undefined;

  /** The forward computation on tensors whose shapes passed {@link computeOutputShape}. */
  abstract call(inputs: readonly tf.Tensor[], options: CallOptions): tf.Tensor;

  /** Creates the weights for these input shapes; called once, before the first call. */
  protected build(_inputShapes: readonly Shape[], _rng: Rng): void {}

  /** The options that recreate this layer (Keras' `get_config`, camelCase keys). */
  getConfig(): Record<string, unknown> {
    return { name: this.name, trainable: this.trainable };
  }

  /** Adds a weight named `layer/name`, filled by `init`. */
  protected addWeight(
    name: string,
    shape: readonly number[],
    init: InitializerLike | Initializer,
    rng: Rng,
    options: { trainable?: boolean; regularizer?: Regularizer } = {},
  ): tf.Variable {
    const trainable = options.trainable ?? true;
    const full = `${this.name}/${name}`;
    const value = initializer(init)([...shape], rng);
    // tfjs wants variable names unique in the engine; two models may hold layers of one name.
    const variable = tf.variable(value, trainable, `${full}#${nextVariable++}`);
    value.dispose();
    this.#weights.push({ name: full, variable, trainable, regularizer: options.regularizer });
    return variable;
  }

  /** Builds the weights for these input shapes if not built yet (`rng` seeds their initialisers). */
  ensureBuilt(inputShapes: readonly Shape[], rng: Rng): void {
    if (this.#built) return;
    this.computeOutputShape(inputShapes); // a shape error before any weight is made
    this.build(inputShapes, rng);
    this.#built = true;
  }

  /**
   * Applies the layer. To tensors: computes (building first, with a seed of `options.seed` or 0). To
   * symbolic tensors: returns the symbolic output, for building a model graph.
   *
   * @example
   * ```ts
   * const x = input({ shape: [28, 28, 1] });
   * const y = new Conv2D({ filters: 32, kernelSize: 5 }).apply(x);   // SymbolicTensor [null, 24, 24, 32]
   * ```
   */
  apply(inputs: SymbolicTensor | readonly SymbolicTensor[], options?: CallOptions): SymbolicTensor;
  apply(inputs: tf.Tensor | readonly tf.Tensor[], options?: CallOptions & { seed?: number }): tf.Tensor;
  apply(
    inputs: SymbolicTensor | tf.Tensor | readonly (SymbolicTensor | tf.Tensor)[],
    options: CallOptions & { seed?: number } = {},
  ): SymbolicTensor | tf.Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs as SymbolicTensor | tf.Tensor];
    if (list.every((x) => x instanceof SymbolicTensor)) {
      const symbols = list as SymbolicTensor[];
      const shape = this.computeOutputShape(symbols.map((s) => s.shape));
      const name = this.#uses === 0 ? this.name : `${this.name}:${this.#uses}`;
      this.#uses++;
      return new SymbolicTensor(this, symbols, shape, name);
    }
    if (!list.every((x) => x instanceof tf.Tensor)) {
      throw new LayerError(`${this.name}: apply takes tensors or symbolic tensors, not a mix`);
    }
    const tensors = list as tf.Tensor[];
    const shapes = tensors.map((t) => [null, ...t.shape.slice(1)] as Shape);
    this.ensureBuilt(shapes, new Rng(options.seed ?? 0));
    this.computeOutputShape(shapes);
    return tf.tidy(() => this.call(tensors, options));
  }

  /** Frees the weights. */
  dispose(): void {
    for (const w of this.weights) w.variable.dispose();
    this.#weights = [];
    this.#built = false;
  }
}

/** Throws unless exactly `n` inputs came (most layers take one). */
export function expectInputs(layer: Layer, shapes: readonly Shape[], n = 1): void {
  if (shapes.length !== n) {
    throw new ShapeError(layer.name, `takes ${n} input${n === 1 ? '' : 's'}, got ${shapes.length}`);
  }
}

/** Throws unless the input has `rank` axes (batch included). */
export function expectRank(layer: Layer, shape: Shape, rank: number, what: string): void {
  if (shape.length !== rank) {
    throw new ShapeError(layer.name, `expects ${what} (rank ${rank}), got ${formatShape(shape)}`);
  }
}
