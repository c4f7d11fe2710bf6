import { applyAdam } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { LayerError } from './errors';

/** What every optimiser takes. */
export interface OptimizerConfig {
  learningRate: number;
  /**
   * Decoupled weight decay (Loshchilov & Hutter): each step also shrinks every weight by
   * `learningRate · weightDecay · w`. For the L2 penalty added to the loss, use a regulariser instead.
   */
  weightDecay?: number;
  /** Rescale the gradients when their global L2 norm exceeds this. */
  clipNorm?: number;
  /** Clip each gradient value to [−clipValue, clipValue]. */
  clipValue?: number;
}

/**
 * A gradient-descent optimiser with per-variable state. The learning rate may change between steps
 * (schedules, reduce-on-plateau set `learningRate`).
 */
export abstract class Optimizer {
  learningRate: number;
  /** Steps taken. */
  iterations = 0;
  readonly #slots = new Map<tf.Variable, tf.Variable[]>();

  constructor(readonly config: OptimizerConfig) {
    if (!(config.learningRate > 0)) {
      throw new LayerError(`optimizer: learningRate must be a positive number, got ${config.learningRate}`);
    }
    this.learningRate = config.learningRate;
  }

  /** The state this optimiser keeps for each variable (momentum, moment estimates), as zeros at first. */
  protected abstract readonly slotCount: number;

  /**
   * The new value of a weight after one step from `w` with `gradient` and the weight's `slots` (which it
   * updates). `w` is the weight itself, or the weight already shrunk by decoupled weight decay.
   */
  protected abstract step(w: tf.Tensor, gradient: tf.Tensor, slots: tf.Variable[]): tf.Tensor;

  /**
   * Applies one step of gradients (clipped and decayed as configured). A variable that is absent or whose
   * gradient is null or undefined (a branch skipped this step, as `tf.variableGrads` leaves out) is not
   * touched: no step, no decay, its state (momentum, moments) kept as it was.
   */
  applyGradients(gradients: ReadonlyMap<tf.Variable, tf.Tensor | null | undefined>): void {
    this.iterations++;
    tf.tidy(() => {
      let grads = [...gradients].filter((e): e is [tf.Variable, tf.Tensor] => e[1] != null);
      if (grads.length === 0) return;
      const { clipValue, clipNorm, weightDecay } = this.config;
      if (clipValue !== undefined)
        grads = grads.map(([v, g]) => [v, tf.clipByValue(g, -clipValue, clipValue)]);
      if (clipNorm !== undefined) {
        const norm = tf.sqrt(tf.addN(grads.map(([, g]) => tf.sum(tf.square(g)))));
        const scale = tf.minimum(1, tf.div(clipNorm, tf.maximum(norm, 1e-12)));
        grads = grads.map(([v, g]) => [v, tf.mul(g, scale)]);
      }
      for (const [variable, gradient] of grads) {
        let slots = this.#slots.get(variable);
        if (!slots) {
          slots = Array.from({ length: this.slotCount }, () => tf.variable(tf.zerosLike(variable), false));
          this.#slots.set(variable, slots);
        }
        // Every step moves from w; decay moves from (1 − η·λ)·w instead: the same as subtracting η·λ·w after.
        const start = weightDecay ? tf.mul(1 - this.learningRate * weightDecay, variable) : variable;
        variable.assign(this.step(start, gradient, slots));
      }
    });
  }

  /** Frees the per-variable state. */
  dispose(): void {
    for (const slots of this.#slots.values()) tf.dispose(slots);
    this.#slots.clear();
  }
}

/** Options of {@link SGD}. */
export interface SGDConfig extends OptimizerConfig {
  /** μ; 0 (default) is plain SGD. */
  momentum?: number;
  /** Nesterov's accelerated gradient. */
  nesterov?: boolean;
  /**
   * How momentum is kept. `'keras'` (default; Keras, Sutskever et al. 2013): a velocity in weight units,
   * v ← μv − ηg, w ← w + v. `'torch'` (torch.optim.SGD, and Torch7's `optim.sgd` of fb.resnet.torch, the
   * reference code of He et al. 2016's CIFAR runs): a buffer in gradient units, b ← μb + g, w ← w − ηb.
   * At a constant η they are the same steps; when η changes (a step schedule) the torch form scales the
   * momentum still to come with it at once, where the Keras form coasts on the old η's velocity, ~μ/(1 − μ)
   * = 9 steps' worth at μ = 0.9 (measured in the zoo's degradation reproduction: the training loss rose for
   * an epoch after η/10 with the Keras form).
   */
  momentumForm?: 'keras' | 'torch';
}

/**
 * Plain SGD, with momentum (in the Keras or the torch form) and Nesterov's variant.
 *
 * @example
 * ```ts
 * net.compile({ optimizer: new SGD({ learningRate: 0.1, momentum: 0.9, momentumForm: 'torch' }), loss: 'softmaxCrossEntropy' });
 * ```
 */
export class SGD extends Optimizer {
  protected readonly slotCount: number;
  constructor(readonly options: SGDConfig) {
    super(options);
    const form = options.momentumForm ?? 'keras';
    if (form !== 'keras' && form !== 'torch') {
      throw new LayerError(`SGD: momentumForm must be 'keras' or 'torch', got ${String(form)}`);
    }
    this.slotCount = options.momentum ? 1 : 0;
  }
  protected step(w: tf.Tensor, g: tf.Tensor, slots: tf.Variable[]): tf.Tensor {
    const lr = this.learningRate;
    const momentum = this.options.momentum ?? 0;
    if (!momentum) return tf.sub(w, tf.mul(lr, g));
    const velocity = slots[0]!;
    if (this.options.momentumForm === 'torch') {
      const b = tf.add(tf.mul(momentum, velocity), g); // b ← μb + g
      velocity.assign(b);
      // torch's Nesterov: step along g + μb.
      return tf.sub(w, tf.mul(lr, this.options.nesterov ? tf.add(g, tf.mul(momentum, b)) : b));
    }
    const v = tf.sub(tf.mul(momentum, velocity), tf.mul(lr, g)); // v ← μv − ηg
    velocity.assign(v);
    // Nesterov: step along μv − ηg from the look-ahead point (Sutskever et al.'s reformulation).
    return tf.add(w, this.options.nesterov ? tf.sub(tf.mul(momentum, v), tf.mul(lr, g)) : v);
  }
}

/** RMSprop (Hinton): divide by a running root mean square of the gradients; `decay` is ρ. */
export class RMSprop extends Optimizer {
  protected readonly slotCount = 2;
  constructor(readonly options: OptimizerConfig & { decay?: number; momentum?: number; epsilon?: number }) {
    super(options);
  }
  protected step(w: tf.Tensor, g: tf.Tensor, [meanSquare, velocity]: tf.Variable[]): tf.Tensor {
    const rho = this.options.decay ?? 0.9;
    const ms = tf.add(tf.mul(rho, meanSquare!), tf.mul(1 - rho, tf.square(g)));
    meanSquare!.assign(ms);
    const update = tf.div(tf.mul(this.learningRate, g), tf.add(tf.sqrt(ms), this.options.epsilon ?? 1e-7));
    const momentum = this.options.momentum ?? 0;
    if (!momentum) return tf.sub(w, update);
    const v = tf.add(tf.mul(momentum, velocity!), update);
    velocity!.assign(v);
    return tf.sub(w, v);
  }
}

/** Adam (Kingma & Ba), with bias-corrected moment estimates. */
export class Adam extends Optimizer {
  protected readonly slotCount = 2;
  constructor(readonly options: OptimizerConfig & { beta1?: number; beta2?: number; epsilon?: number }) {
    super(options);
  }
  protected step(w: tf.Tensor, g: tf.Tensor, [m, v]: tf.Variable[]): tf.Tensor {
    // One fused kernel on wasm (core's `applyAdam`): ten elementwise passes over fc-sized weights otherwise.
    const [next, mNext, vNext] = applyAdam(w, g, m!, v!, {
      learningRate: this.learningRate,
      beta1: this.options.beta1 ?? 0.9,
      beta2: this.options.beta2 ?? 0.999,
      epsilon: this.options.epsilon ?? 1e-7,
      step: this.iterations,
    });
    m!.assign(mNext);
    v!.assign(vNext);
    return next;
  }
}

/** Optimisers by name with their usual defaults, for `compile({ optimizer: 'adam' })`. */
export const optimizers = {
  sgd: (learningRate = 0.01) => new SGD({ learningRate }),
  momentum: (learningRate = 0.01) => new SGD({ learningRate, momentum: 0.9 }),
  nesterov: (learningRate = 0.01) => new SGD({ learningRate, momentum: 0.9, nesterov: true }),
  rmsprop: (learningRate = 0.001) => new RMSprop({ learningRate }),
  adam: (learningRate = 0.001) => new Adam({ learningRate }),
} as const;

export type OptimizerName = keyof typeof optimizers;
