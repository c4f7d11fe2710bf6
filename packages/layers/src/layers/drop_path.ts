import * as tf from '@tensorflow/tfjs-core';
import { LayerError, ShapeError } from '../errors';
import type { CallOptions, LayerConfig } from '../layer';
import type { Shape } from '../shape';
import { checkRate, trainingRng } from './dropout';
import { Average, Merge, sameShape } from './merge';

/** Options of {@link DropPath}. */
export interface DropPathConfig extends LayerConfig {
  /** The probability of dropping each input of the join in training. Default 0.15 (FractalNet's). */
  rate?: number;
}

/**
 * A FractalNet join with local drop-path (Larsson et al. 2017): the mean of its inputs, as
 * {@link Average}; in training each input is dropped with probability `rate`, at least one always kept,
 * and the output is the mean of those kept. One draw per call, so per mini-batch, as in the paper, from
 * `CallOptions.rng`. In a model the draw is made before anything runs ({@link DropPath.keptInputs}), so
 * the dropped inputs' branches are not computed and their weights get no gradient; called on tensors
 * directly, the dropped inputs enter times 0 (a zero gradient). At inference it is the plain mean.
 *
 * @example
 * ```ts
 * const join = new DropPath({ rate: 0.15 }).apply([column1, column2]);
 * ```
 */
export class DropPath extends Average {
  override readonly className: string = 'DropPath';
  readonly rate: number;

  constructor(config: DropPathConfig = {}) {
    super(config);
    this.rate = checkRate(this.name, config.rate ?? 0.15);
  }

  /**
   * The indices of the inputs kept in one training step: each survives with 1 − rate, at least one does
   * (all, without a draw, when rate is 0 or there is one input).
   */
  override keptInputs(n: number, options: CallOptions): number[] {
    if (this.rate === 0 || n === 1) return Array.from({ length: n }, (_, i) => i);
    const rng = trainingRng(options);
    const kept = Array.from({ length: n }, (_, i) => i).filter(() => rng.float() >= this.rate);
    return kept.length > 0 ? kept : [rng.int(n)];
  }

  override call(inputs: readonly tf.Tensor[], options: CallOptions = {}): tf.Tensor {
    // Chosen by the model: only the kept inputs came.
    if (options.training && options.kept) return super.call(inputs, options);
    if (!options.training || this.rate === 0 || inputs.length === 1) return super.call(inputs, options);
    const kept = new Set(this.keptInputs(inputs.length, options));
    if (kept.size === inputs.length) return super.call(inputs, options);
    // Dropped inputs enter with weight 0, not left out: their branches get a zero gradient rather than
    // none, as in Keras and PyTorch, so optimisers and tf.grads see every branch connected.
    const w = 1 / kept.size;
    return tf.addN(inputs.map((x, i) => tf.mul(x, kept.has(i) ? w : 0)));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate };
  }
}

/** Options of {@link StochasticDepth}. */
export interface StochasticDepthConfig extends LayerConfig {
  /** p_l: the probability that the residual branch is kept in a training step. Default 0.5. */
  survivalProbability?: number;
}

/**
 * Stochastic depth (Huang et al. 2016) at the join of a residual block, a merge of `[shortcut, branch]`:
 * in training, shortcut + b·branch with b ~ Bernoulli(p_l) drawn once per call (per mini-batch, as in
 * the paper) from `CallOptions.rng`. In a model the draw comes before anything runs
 * ({@link StochasticDepth.keptInputs}): a dropped branch is not computed at all (the paper's saving in
 * training time) and its weights get no gradient; called on tensors directly, it enters times 0. At
 * inference, shortcut + p_l·branch, the branch's expected contribution. Keras' (TensorFlow Addons')
 * `StochasticDepth`, `survivalProbability` as there. The paper's rule for p_l is {@link linearDecaySurvival}.
 *
 * @example
 * ```ts
 * const y = new StochasticDepth({ survivalProbability: 0.8 }).apply([x, residualBranch]);
 * ```
 */
export class StochasticDepth extends Merge {
  readonly className = 'StochasticDepth';
  readonly survivalProbability: number;

  constructor(config: StochasticDepthConfig = {}) {
    super(config);
    const p = config.survivalProbability ?? 0.5;
    if (!(p >= 0 && p <= 1)) {
      throw new LayerError(`${this.name}: survivalProbability must be in [0, 1], got ${p}`);
    }
    this.survivalProbability = p;
  }

  protected mergeShapes(shapes: readonly Shape[]): Shape {
    if (shapes.length !== 2) {
      throw new ShapeError(this.name, `takes [shortcut, branch], 2 inputs, got ${shapes.length}`);
    }
    return sameShape(this.name, shapes, 'adds');
  }

  /** Whether the branch survives this training step. */
  branchKept(options: CallOptions): boolean {
    return trainingRng(options).float() < this.survivalProbability;
  }

  /** This training step's inputs: `[0, 1]` if the branch survives ({@link branchKept}), else `[0]`. */
  override keptInputs(_count: number, options: CallOptions): number[] {
    return this.branchKept(options) ? [0, 1] : [0];
  }

  protected merge([shortcut, branch]: readonly tf.Tensor[]): tf.Tensor {
    return tf.add(shortcut!, tf.mul(branch!, this.survivalProbability));
  }

  override call(inputs: readonly tf.Tensor[], options: CallOptions = {}): tf.Tensor {
    if (!options.training) return this.merge(inputs);
    // Chosen by the model: the shortcut alone when the branch was dropped.
    if (options.kept) return options.kept.length === 1 ? inputs[0]! : tf.add(inputs[0]!, inputs[1]!);
    const [shortcut, branch] = inputs as [tf.Tensor, tf.Tensor];
    // A dropped branch enters times 0: a zero gradient, not none (see DropPath).
    return tf.add(shortcut, this.branchKept(options) ? branch : tf.mul(branch, 0));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), survivalProbability: this.survivalProbability };
  }
}

/**
 * Huang et al.'s linear decay rule: block l of L survives with p_l = 1 − (l/L)·(1 − p_L), from nearly 1
 * at the input to p_L (0.5 in the paper) at the last block.
 *
 * @example
 * ```ts
 * const p = Array.from({ length: 54 }, (_, i) => linearDecaySurvival(i + 1, 54));   // ResNet-110
 * ```
 */
export function linearDecaySurvival(l: number, blocks: number, last = 0.5): number {
  if (!(blocks >= 1 && l >= 0 && l <= blocks)) {
    throw new LayerError(`linearDecaySurvival: expected 0 ≤ l ≤ L with L ≥ 1, got l = ${l}, L = ${blocks}`);
  }
  return 1 - (l / blocks) * (1 - last);
}
