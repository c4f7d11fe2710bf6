import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import type { CallOptions, Layer } from './layer';

export interface GradientCheckOptions {
  /** Step of the central differences. Default 1e-2 (float32: smaller steps drown in rounding). */
  epsilon?: number;
  /** Coordinates checked per tensor (inputs and weights), chosen at random. Default 12. */
  samples?: number;
  /** Seed of the projection and the coordinates. Default 0. */
  seed?: number;
  /** Check the gradients with respect to the inputs too. Default true. */
  inputs?: boolean;
  /** Passed to the layer's call (training mode, a seeded rng for dropout). */
  call?: CallOptions;
}

/** One tensor's worst disagreement between analytic and numeric derivatives. */
export interface GradientCheckEntry {
  /** `input 0` or the weight's name. */
  readonly name: string;
  /** max |analytic − numeric| / max(|analytic|, |numeric|, 1e-3) over the sampled coordinates. */
  readonly relativeError: number;
  readonly checked: number;
}

export interface GradientCheckResult {
  readonly maxRelativeError: number;
  readonly entries: readonly GradientCheckEntry[];
}

/**
 * Gradient checking (seed 003): the gradients tfjs derives for a layer (or any function of tensors),
 * against central finite differences (f(θ + ε) − f(θ − ε)) / 2ε of a scalar made from its output by a
 * fixed random projection, at randomly sampled coordinates of every input and weight. In float32 expect
 * relative errors around 1e-3; a wrong gradient gives errors near 1. Kinks (ReLU at 0, max-pool ties)
 * give spurious errors: use inputs that avoid them. Weights the call never reaches (a branch dropped in
 * training) get no gradient from tfjs: they are checked as zero, which the finite differences confirm.
 *
 * @example
 * ```ts
 * const layer = new Conv2D({ filters: 4, kernelSize: 3 });
 * const { maxRelativeError } = gradientCheck(layer, [tf.randomNormal([2, 6, 6, 3])]);
 * expect(maxRelativeError).toBeLessThan(1e-2);
 * ```
 */
export function gradientCheck(
  target: Layer | ((inputs: tf.Tensor[]) => tf.Tensor),
  inputs: readonly tf.Tensor[],
  options: GradientCheckOptions = {},
): GradientCheckResult {
  const epsilon = options.epsilon ?? 1e-2;
  const samples = options.samples ?? 12;
  const rng = new Rng(options.seed ?? 0);
  const isLayer = typeof target !== 'function';
  if (isLayer)
    target.ensureBuilt(
      inputs.map((x) => [null, ...x.shape.slice(1)]),
      rng.fork(),
    );
  const forward = (xs: tf.Tensor[]) =>
    isLayer
      ? target.call(xs, { ...options.call, rng: options.call?.rng && cloneRng(options.call.rng) })
      : target(xs);

  // A scope rather than tidy: the result is plain numbers, which tidy's typing does not take.
  tf.engine().startScope();
  try {
    const x = inputs.map((t) => tf.cast(t, 'float32'));
    const projection = rng.randomNormal(forward(x).shape);
    const objective = (xs: tf.Tensor[]) => tf.sum(tf.mul(forward(xs), projection)) as tf.Scalar;
    const weights = isLayer ? target.weights.filter((w) => w.trainable) : [];
    const entries: GradientCheckEntry[] = [];

    const check = (
      name: string,
      value: tf.Tensor,
      analytic: tf.Tensor,
      perturbed: (v: tf.Tensor) => number,
    ) => {
      const a = analytic.dataSync();
      const base = value.dataSync().slice();
      let worst = 0;
      const n = Math.min(samples, base.length);
      const picks = rng.permutation(base.length).subarray(0, n);
      for (const i of picks) {
        const at = (delta: number) => {
          const shifted = base.slice();
          shifted[i] = base[i]! + delta;
          return tf.tidy(() => perturbed(tf.tensor(shifted, value.shape, 'float32')));
        };
        const numeric = (at(epsilon) - at(-epsilon)) / (2 * epsilon);
        const scale = Math.max(Math.abs(a[i]!), Math.abs(numeric), 1e-3);
        worst = Math.max(worst, Math.abs(a[i]! - numeric) / scale);
      }
      entries.push({ name, relativeError: worst, checked: n });
    };

    if (options.inputs ?? true) {
      const grads = tf.grads((...xs: tf.Tensor[]) => objective(xs))(x);
      x.forEach((xi, k) => {
        check(
          `input ${k}`,
          xi,
          grads[k]!,
          (v) => objective(x.map((t, j) => (j === k ? v : t))).dataSync()[0]!,
        );
      });
    }
    if (weights.length > 0) {
      const { grads } = tf.variableGrads(
        () => objective(x),
        weights.map((w) => w.variable),
      );
      for (const w of weights) {
        const original = w.variable.clone();
        // A weight the step never reached (a dropped branch: Model.run skips it) has no gradient: zero,
        // which the finite differences then confirm.
        const analytic = grads[w.variable.name] ?? tf.zerosLike(original);
        check(w.name, original, analytic, (v) => {
          w.variable.assign(v);
          const out = objective(x).dataSync()[0]!;
          w.variable.assign(original);
          return out;
        });
      }
    }
    return { maxRelativeError: Math.max(0, ...entries.map((e) => e.relativeError)), entries };
  } finally {
    tf.engine().endScope();
  }
}

/** The same random stream for every evaluation, so dropout masks agree between f(θ ± ε). */
function cloneRng(rng: Rng): Rng {
  return Rng.fromState(rng.getState());
}
