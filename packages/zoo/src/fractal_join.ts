import { Rng } from '@cnn/core';
import {
  type CallOptions,
  DropPath,
  type DropPathConfig,
  Layer,
  type LayerConfig,
  LayerError,
  registerLayer,
  type Shape,
  SymbolicTensor,
} from '@cnn/layers';
import * as tf from '@tensorflow/tfjs-core';

/** What a FractalNet trains on in one step: all joins sampling locally, or one column alone. */
export type DropPathChoice = { readonly global: false } | { readonly global: true; readonly column: number };

/** Options of {@link DropPathSampler}. */
export interface DropPathSamplerConfig extends LayerConfig {
  /** Columns of the network, numbered 1 (shallowest) … C (deepest). */
  columns: number;
  /** Share of training steps that sample one column globally (the rest drop paths locally). Default 0.5. */
  globalRatio?: number;
}

/**
 * The start of a FractalNet (Larsson et al. 2017, §3.1): a pass-through layer on the input that, at each
 * training step, draws whether the step drops paths locally (each join on its own) or globally (one
 * column, the same for every join: the whole network becomes that column), the paper's 50/50 mix by
 * default. Its {@link FractalJoin}s read the choice, made before any of them runs since they all depend
 * on it. At inference it chooses nothing.
 *
 * @example
 * ```ts
 * const sampler = new DropPathSampler({ columns: 4 });
 * const start = sampler.apply(x);   // build the blocks on `start`, joining with FractalJoin({ sampler })
 * ```
 */
export class DropPathSampler extends Layer {
  readonly className = 'DropPathSampler';
  readonly columns: number;
  readonly globalRatio: number;
  #choice: DropPathChoice = { global: false };

  constructor(config: DropPathSamplerConfig) {
    super(config);
    this.columns = config.columns;
    this.globalRatio = config.globalRatio ?? 0.5;
    if (!Number.isInteger(this.columns) || this.columns < 1) {
      throw new LayerError(`${this.name}: columns must be a positive integer, got ${this.columns}`);
    }
    if (!(this.globalRatio >= 0 && this.globalRatio <= 1)) {
      throw new LayerError(`${this.name}: globalRatio must be in [0, 1], got ${this.globalRatio}`);
    }
  }

  /** The current step's choice (local at inference). */
  get choice(): DropPathChoice {
    return this.#choice;
  }

  computeOutputShape(inputShapes: readonly Shape[]): Shape {
    return inputShapes[0]!;
  }

  /**
   * Draws the step's choice. A model asks this before any join's {@link FractalJoin.keptInputs}, since
   * the sampler comes first in graph order; its one input is always kept.
   */
  override keptInputs(_count: number, options: CallOptions): number[] {
    this.#draw(options);
    return [0];
  }

  call([x]: readonly tf.Tensor[], options: CallOptions = {}): tf.Tensor {
    if (!options.kept) this.#draw(options); // chosen already when the model asked keptInputs
    return x!;
  }

  #draw(options: CallOptions): void {
    this.#choice = { global: false };
    if (options.training) {
      const rng = options.rng ?? Rng.fromEntropy();
      if (rng.float() < this.globalRatio) this.#choice = { global: true, column: 1 + rng.int(this.columns) };
    }
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), columns: this.columns, globalRatio: this.globalRatio };
  }
}

/** Options of {@link FractalJoin}. */
export interface FractalJoinConfig extends DropPathConfig {
  /** The column (1 … C) each input comes from, in input order. */
  inputColumns: readonly number[];
  /**
   * The network's sampler, whose choice this join follows, or its name (as a saved model holds it): the
   * join then finds that sampler upstream of its inputs when it is applied to them.
   */
  sampler: DropPathSampler | string;
}

/**
 * A FractalNet join (Larsson et al. 2017): the mean of its inputs; in training, local drop-path as
 * {@link DropPath} (each input dropped with `rate`, one always kept), or, in a step the sampler made
 * global, only the chosen column's input (a join that column does not reach passes the plain mean, which
 * nothing downstream then uses, so a model does not compute it). In a model the choice is made before
 * anything runs ({@link FractalJoin.keptInputs}), so dropped columns cost no time. At inference, the mean.
 *
 * @example
 * ```ts
 * const y = new FractalJoin({ sampler, inputColumns: [1, 2, 3] }).apply([c1, c2, c3]);
 * ```
 */
export class FractalJoin extends DropPath {
  override readonly className: string = 'FractalJoin';
  readonly inputColumns: readonly number[];
  /** The sampler's name (what is saved: the sampler is a layer of the model, saved on its own). */
  readonly samplerName: string;
  #sampler: DropPathSampler | undefined;

  constructor(config: FractalJoinConfig) {
    super(config);
    this.inputColumns = [...config.inputColumns];
    if (config.sampler instanceof DropPathSampler) {
      this.#sampler = config.sampler;
      this.samplerName = config.sampler.name;
    } else if (typeof config.sampler === 'string') {
      this.samplerName = config.sampler;
    } else {
      throw new LayerError(
        `${this.name}: sampler must be a DropPathSampler or its name, got ${typeof config.sampler}`,
      );
    }
  }

  /** The sampler this join follows (found upstream once the join is applied, if it was given by name). */
  get sampler(): DropPathSampler {
    if (!this.#sampler) {
      throw new LayerError(
        `${this.name}: its sampler '${this.samplerName}' is not known yet: apply the join to symbolic tensors downstream of it first`,
      );
    }
    return this.#sampler;
  }

  override apply(inputs: SymbolicTensor | readonly SymbolicTensor[], options?: CallOptions): SymbolicTensor;
  override apply(
    inputs: tf.Tensor | readonly tf.Tensor[],
    options?: CallOptions & { seed?: number },
  ): tf.Tensor;
  override apply(
    inputs: SymbolicTensor | tf.Tensor | readonly (SymbolicTensor | tf.Tensor)[],
    options: CallOptions & { seed?: number } = {},
  ): SymbolicTensor | tf.Tensor {
    const list = [inputs].flat();
    if (!this.#sampler && list.every((x) => x instanceof SymbolicTensor)) {
      this.#sampler = upstreamSampler(list as SymbolicTensor[], this.samplerName);
      if (!this.#sampler) {
        throw new LayerError(
          `${this.name}: no DropPathSampler named '${this.samplerName}' upstream of its inputs`,
        );
      }
    }
    // biome-ignore lint/suspicious/noExplicitAny: the overloads above type the two cases.
    return super.apply(inputs as any, options);
  }

  override computeOutputShape(inputShapes: readonly Shape[]): Shape {
    if (inputShapes.length !== this.inputColumns.length) {
      throw new LayerError(
        `${this.name}: joins columns ${this.inputColumns.join(', ')}, one input each, got ${inputShapes.length} inputs`,
      );
    }
    return super.computeOutputShape(inputShapes);
  }

  /** This step's kept inputs: the global column's alone (all where it does not reach), else local ones. */
  override keptInputs(n: number, options: CallOptions): number[] {
    const choice = this.sampler.choice;
    if (!choice.global) return super.keptInputs(n, options);
    const kept = this.inputColumns.indexOf(choice.column);
    return kept < 0 ? Array.from({ length: n }, (_, i) => i) : [kept];
  }

  override call(inputs: readonly tf.Tensor[], options: CallOptions = {}): tf.Tensor {
    if (options.training && options.kept) return super.call(inputs, options);
    const choice = this.sampler.choice;
    if (!options.training || !choice.global) return super.call(inputs, options);
    const kept = this.inputColumns.indexOf(choice.column);
    if (kept < 0) return super.call(inputs, { training: false });
    // The others enter times 0: a zero gradient rather than none, as DropPath does.
    return tf.addN(inputs.map((x, i) => (i === kept ? x : tf.mul(x, 0))));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), inputColumns: this.inputColumns, sampler: this.samplerName };
  }
}

/** The DropPathSampler named `name` among the layers upstream of `nodes`, if any. */
function upstreamSampler(nodes: readonly SymbolicTensor[], name: string): DropPathSampler | undefined {
  const seen = new Set<SymbolicTensor>();
  const stack = [...nodes];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    if (node.layer instanceof DropPathSampler && node.layer.name === name) return node.layer;
    stack.push(...node.inputs);
  }
  return undefined;
}

// Saved models name these classes; loading makes them again, each join finding its sampler by name.
registerLayer('DropPathSampler', (config) => new DropPathSampler(config as unknown as DropPathSamplerConfig));
registerLayer('FractalJoin', (config) => new FractalJoin(config as unknown as FractalJoinConfig));
