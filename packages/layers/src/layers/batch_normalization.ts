import type { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { LayerError, ShapeError } from '../errors';
import type { Initializer, InitializerLike } from '../initializers';
import { type CallOptions, expectInputs, Layer, type LayerConfig, type WeightShape } from '../layer';
import type { Regularizer } from '../regularizers';
import { formatShape, type Shape } from '../shape';

/** Options of {@link BatchNormalization}, as Keras names them. */
export interface BatchNormalizationConfig extends LayerConfig {
  /** The channel axis, normalised per entry; statistics run over all the others. Default -1 (NHWC). */
  axis?: number;
  /** Weight of the old value in the moving averages. Default 0.99. */
  momentum?: number;
  /** Added to the variance before its square root. Default 1e-3. */
  epsilon?: number;
  /** Learn an offset β. Default true. */
  center?: boolean;
  /** Learn a scale γ. Default true (turn off when a ReLU or a linear layer follows: it would absorb γ). */
  scale?: boolean;
  betaInitializer?: InitializerLike | Initializer;
  gammaInitializer?: InitializerLike | Initializer;
  movingMeanInitializer?: InitializerLike | Initializer;
  movingVarianceInitializer?: InitializerLike | Initializer;
  betaRegularizer?: Regularizer;
  gammaRegularizer?: Regularizer;
}

/**
 * Batch normalisation (Ioffe & Szegedy 2015). In training mode it normalises each channel with the
 * mean and variance of the batch (over every axis but `axis`), then scales by γ and shifts by β; and
 * it updates the moving statistics, moving ← moving·momentum + batch·(1 − momentum). In inference mode,
 * and whenever the layer is frozen (`trainable = false`, as in Keras), it uses the moving statistics.
 *
 * The batch variance is the biased one (÷ N) for normalising and for the moving update alike, as Keras
 * 3 does; tfjs-layers, PyTorch and TensorFlow's fused kernel move the unbiased N/(N − 1) variance instead,
 * which differs by that factor, negligible for batches of realistic size. Weights: `gamma`, `beta`
 * (trainable), `moving_mean`, `moving_variance` (not), in Keras' order.
 *
 * The training-mode gradient is the closed form through the batch statistics,
 * dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)), in a custom gradient: fewer full-size ops than the
 * chain through `tf.moments`, and the moving update inside it is never recorded on the tape.
 *
 * @example
 * ```ts
 * const bn = new BatchNormalization();
 * const y = bn.apply(x, { training: true });   // batch statistics; moving ones updated
 * const z = bn.apply(x);                       // moving statistics
 * ```
 */
export class BatchNormalization extends Layer {
  readonly className = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly #config: BatchNormalizationConfig;
  gamma: tf.Variable | undefined;
  beta: tf.Variable | undefined;
  movingMean!: tf.Variable;
  movingVariance!: tf.Variable;

  constructor(config: BatchNormalizationConfig = {}) {
    super(config);
    this.axis = config.axis ?? -1;
    this.momentum = config.momentum ?? 0.99;
    this.epsilon = config.epsilon ?? 1e-3;
    this.center = config.center ?? true;
    this.scale = config.scale ?? true;
    if (!Number.isInteger(this.axis)) throw new LayerError(`${this.name}: axis must be an integer`);
    if (!(this.momentum >= 0 && this.momentum <= 1)) {
      throw new LayerError(`${this.name}: momentum must be in [0, 1], got ${this.momentum}`);
    }
    if (!(this.epsilon > 0)) throw new LayerError(`${this.name}: epsilon must be > 0, got ${this.epsilon}`);
    this.#config = config;
  }

  /** The channel axis as a non-negative index for inputs of this rank. */
  #channelAxis(rank: number): number {
    return this.axis < 0 ? this.axis + rank : this.axis;
  }

  computeOutputShape(inputShapes: readonly Shape[]): Shape {
    expectInputs(this, inputShapes);
    const shape = inputShapes[0]!;
    const a = this.#channelAxis(shape.length);
    if (a < 1 || a >= shape.length) {
      throw new ShapeError(
        this.name,
        `axis ${this.axis} is not a channel axis of its input ${formatShape(shape)} (the batch axis 0 is not one)`,
      );
    }
    if (shape[a] === null) {
      throw new ShapeError(
        this.name,
        `axis ${this.axis} of its input ${formatShape(shape)} must have a known size`,
      );
    }
    if (this.built && this.movingMean.shape[0] !== shape[a]) {
      throw new ShapeError(
        this.name,
        `was built for ${this.movingMean.shape[0]} channels, got an input ${formatShape(shape)} with ${shape[a]}`,
      );
    }
    return shape;
  }

  override weightShapes(inputShapes: readonly Shape[]): WeightShape[] {
    const shape = this.computeOutputShape(inputShapes);
    const c = [shape[this.#channelAxis(shape.length)] as number];
    return [
      ...(this.scale ? [this.weightShape('gamma', c)] : []),
      ...(this.center ? [this.weightShape('beta', c)] : []),
      this.weightShape('moving_mean', c, false),
      this.weightShape('moving_variance', c, false),
    ];
  }

  protected override build(inputShapes: readonly Shape[], rng: Rng): void {
    const c = [...this.weightShapes(inputShapes).at(-1)!.shape];
    const cfg = this.#config;
    if (this.scale) {
      this.gamma = this.addWeight('gamma', c, cfg.gammaInitializer ?? 'ones', rng, {
        regularizer: cfg.gammaRegularizer,
      });
    }
    if (this.center) {
      this.beta = this.addWeight('beta', c, cfg.betaInitializer ?? 'zeros', rng, {
        regularizer: cfg.betaRegularizer,
      });
    }
    this.movingMean = this.addWeight('moving_mean', c, cfg.movingMeanInitializer ?? 'zeros', rng, {
      trainable: false,
    });
    this.movingVariance = this.addWeight('moving_variance', c, cfg.movingVarianceInitializer ?? 'ones', rng, {
      trainable: false,
    });
  }

  call([x]: readonly tf.Tensor[], options: CallOptions = {}): tf.Tensor {
    const rank = x!.rank;
    const a = this.#channelAxis(rank);
    // Per-channel vectors as the input's rank wants them: [C] broadcasts along the last axis as it is.
    const spread = (v: tf.Tensor) =>
      a === rank - 1
        ? v
        : tf.reshape(
            v,
            x!.shape.map((d, i) => (i === a ? d : 1)),
          );
    if (!(options.training && this.trainable)) {
      const { movingMean, movingVariance, beta, gamma } = this;
      return this.#affine(
        x!,
        spread(movingMean),
        spread(movingVariance),
        beta && spread(beta),
        gamma && spread(gamma),
      );
    }
    return this.#normalizeInTraining(x!, a, spread);
  }

  /**
   * (x − mean)/√(variance + ε)·γ + β with per-channel tensors spread to the input's rank. Channels last
   * goes to tf.batchNorm (one kernel); its kernels broadcast the statistics along the last axis only, so
   * another axis takes ordinary broadcasting ops.
   */
  #affine(
    x: tf.Tensor,
    mean: tf.Tensor,
    variance: tf.Tensor,
    beta?: tf.Tensor,
    gamma?: tf.Tensor,
  ): tf.Tensor {
    if (mean.rank === 1) return tf.batchNorm(x, mean, variance, beta, gamma, this.epsilon);
    let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
    if (gamma) y = tf.mul(y, gamma);
    return beta ? tf.add(y, beta) : y;
  }

  /** Batch statistics, with the closed-form gradient and the moving update done off the tape. */
  #normalizeInTraining(x: tf.Tensor, a: number, spread: (v: tf.Tensor) => tf.Tensor): tf.Tensor {
    const axes = x.shape.map((_, i) => i).filter((i) => i !== a);
    const n = axes.reduce((p, i) => p * x.shape[i]!, 1);
    const c = x.shape[a]!;
    const params = [this.gamma, this.beta].filter((v): v is tf.Variable => v !== undefined);
    const { gamma, beta } = this;

    const normalize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const save = args.pop() as tf.GradSaveFunc;
      const input = args[0] as tf.Tensor;
      const g = gamma && spread(args[1] as tf.Tensor);
      const b = beta && spread(args[gamma ? 2 : 1] as tf.Tensor);
      const moments = tf.moments(input, axes);
      this.#updateMoving(moments.mean, moments.variance);
      const mean = spread(moments.mean);
      const variance = spread(moments.variance);
      const value = this.#affine(input, mean, variance, b, g);
      const rstd = tf.rsqrt(tf.add(variance, this.epsilon));
      save(g ? [input, mean, rstd, g] : [input, mean, rstd]);
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xs, mu, r, gs] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
          const xhat = tf.mul(tf.sub(xs, mu), r);
          const sumDy = spread(tf.sum(dy, axes));
          const sumDyXhat = spread(tf.sum(tf.mul(dy, xhat), axes));
          const centred = tf.sub(tf.sub(dy, tf.div(sumDy, n)), tf.mul(xhat, tf.div(sumDyXhat, n)));
          const dx = tf.mul(centred, gs ? tf.mul(gs, r) : r);
          const grads = [dx];
          if (gamma) grads.push(tf.reshape(sumDyXhat, [c]));
          if (beta) grads.push(tf.reshape(sumDy, [c]));
          return grads;
        },
      };
    });
    return normalize(x, ...params);
  }

  /** moving ← moving·momentum + batch·(1 − momentum); the variables keep the new values past any tidy. */
  #updateMoving(mean: tf.Tensor, variance: tf.Tensor): void {
    const m = this.momentum;
    tf.tidy(() => {
      this.movingMean.assign(tf.add(tf.mul(this.movingMean, m), tf.mul(mean, 1 - m)));
      this.movingVariance.assign(tf.add(tf.mul(this.movingVariance, m), tf.mul(variance, 1 - m)));
    });
  }

  override getConfig(): Record<string, unknown> {
    const cfg = this.#config;
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: cfg.betaInitializer ?? 'zeros',
      gammaInitializer: cfg.gammaInitializer ?? 'ones',
      movingMeanInitializer: cfg.movingMeanInitializer ?? 'zeros',
      movingVarianceInitializer: cfg.movingVarianceInitializer ?? 'ones',
      betaRegularizer: cfg.betaRegularizer ?? null,
      gammaRegularizer: cfg.gammaRegularizer ?? null,
    };
  }
}
