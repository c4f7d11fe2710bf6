import type { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { LayerError, ShapeError } from '../errors';
import { type CallOptions, expectInputs, expectRank, Layer, type LayerConfig } from '../layer';
import { type Pair, pair, type Shape } from '../shape';

/** Options of {@link FractionalMaxPooling2D}. */
export interface FractionalMaxPooling2DConfig extends LayerConfig {
  /** α, the factor by which height and width shrink (one number, or [αh, αw]), each ≥ 1. Default √2. */
  poolingRatio?: Pair;
  /**
   * True (default): pseudo-random region boundaries a_i = ⌈α(i + u)⌉ − ⌈αu⌉ with u drawn uniformly from
   * [0, 1). False: random ones, the steps of ⌊α⌋ and ⌈α⌉ (1s and 2s for 1 < α < 2) in shuffled order.
   */
  pseudoRandom?: boolean;
  /** False (default): disjoint regions [a_{i−1}, a_i − 1]. True: overlapping ones [a_{i−1}, a_i] (one row more). */
  overlapping?: boolean;
}

/** Options of {@link fractionalPoolingSequence}. */
export interface FractionalSequenceOptions {
  /** Pseudo-random (default) or random boundaries, as {@link FractionalMaxPooling2DConfig.pseudoRandom}. */
  pseudoRandom?: boolean;
  /** The randomness; without it, the fixed inference sequence (u = ½, for both kinds). */
  rng?: Rng;
}

/**
 * The region boundaries 0 = a_0 < a_1 < … < a_m = n of fractional max pooling along one axis of n cells
 * pooled to m (Graham 2014): steps of ⌊n/m⌋ or ⌈n/m⌉. The effective ratio α = n/m (not the configured
 * one, which only fixes m = ⌊n/α⌋) makes the regions end exactly at n. Pseudo-random boundaries are
 * a_i = ⌈α(i + u)⌉ − ⌈αu⌉, shifted so that a_0 = 0; random ones shuffle the steps.
 *
 * @example
 * ```ts
 * fractionalPoolingSequence(10, 7); // [0, 2, 3, 4, 6, 7, 9, 10]: u = ½, steps of 1 and 2
 * fractionalPoolingSequence(10, 7, { pseudoRandom: false, rng: new Rng(0) }); // shuffled steps
 * ```
 */
export function fractionalPoolingSequence(
  n: number,
  m: number,
  options: FractionalSequenceOptions = {},
): number[] {
  if (!Number.isInteger(n) || !Number.isInteger(m) || m < 1 || m > n) {
    throw new LayerError(`fractionalPoolingSequence: cannot pool ${n} cells to ${m}`);
  }
  const { rng } = options;
  if (rng && options.pseudoRandom === false) {
    const small = Math.floor(n / m);
    const steps = Array.from({ length: m }, (_, i) => (i < n - small * m ? small + 1 : small));
    rng.shuffle(steps);
    const a = [0];
    for (const step of steps) a.push(a.at(-1)! + step);
    return a;
  }
  const sequence = Array.from({ length: m + 1 }, (_, i) => i);
  if (!rng) {
    // u = ½ in integers: ⌈n(2i + 1) / 2m⌉ is exact in floating point for these sizes.
    const first = Math.ceil(n / (2 * m));
    return sequence.map((i) => Math.ceil((n * (2 * i + 1)) / (2 * m)) - first);
  }
  const u = rng.float();
  const alpha = n / m;
  const first = Math.ceil(alpha * u);
  const a = sequence.map((i) => Math.ceil(alpha * (i + u)) - first);
  a[m] = n; // α(m + u) − ⌈αu⌉ is n exactly; rounding must not say otherwise
  return a;
}

/**
 * Indices that lay each region's rows side by side, `width` per region (shorter regions repeat their last
 * row, which leaves the max unchanged), for a gather followed by a max-pool of `width` with stride `width`.
 */
function regionIndices(
  a: readonly number[],
  n: number,
  overlapping: boolean,
): { indices: number[]; width: number } {
  const ends = a.slice(1).map((next) => (overlapping ? Math.min(next, n - 1) : next - 1));
  const width = Math.max(...ends.map((end, i) => end - a[i]! + 1));
  const indices = ends.flatMap((end, i) => Array.from({ length: width }, (_, k) => Math.min(a[i]! + k, end)));
  return { indices, width };
}

/**
 * Fractional max pooling (Graham 2014, seed 000): shrinks height and width by a factor α between 1 and 2
 * (default √2), output ⌊N_in/α⌋ per axis, by taking the max over regions whose sizes mix ⌊α⌋ and ⌈α⌉ in a
 * random order drawn anew at every training call — a milder, randomised alternative to 2×2 max pooling.
 *
 * In training, with `rng` given in the call options (as `fit` does), one pair of sequences (rows, then
 * columns) is drawn per call and shared by the whole batch. At inference, or without `rng`, a fixed
 * sequence is used: the pseudo-random one with u = ½, evenly spread steps (averaging the outputs of several
 * draws, as the paper does at test time, is left to the caller).
 *
 * Implemented with ops every backend has and differentiates: a gather of each region's rows and columns,
 * then one max-pool over the gathered windows.
 *
 * @example
 * ```ts
 * const pool = new FractionalMaxPooling2D({ poolingRatio: Math.SQRT2, overlapping: true });
 * const y = pool.apply(x, { training: true, rng: new Rng(0) }); // [b, 25, 25, c] from [b, 36, 36, c]
 * ```
 */
export class FractionalMaxPooling2D extends Layer {
  readonly className = 'FractionalMaxPooling2D';
  readonly poolingRatio: [number, number];
  readonly pseudoRandom: boolean;
  readonly overlapping: boolean;

  constructor(config: FractionalMaxPooling2DConfig = {}) {
    super(config);
    this.poolingRatio = pair(config.poolingRatio ?? Math.SQRT2);
    if (!this.poolingRatio.every((r) => Number.isFinite(r) && r >= 1)) {
      throw new LayerError(
        `${this.name}: poolingRatio must be at least 1, got ${String(config.poolingRatio)}`,
      );
    }
    this.pseudoRandom = config.pseudoRandom ?? true;
    this.overlapping = config.overlapping ?? false;
  }

  computeOutputShape(inputShapes: readonly Shape[]): Shape {
    expectInputs(this, inputShapes);
    const shape = inputShapes[0]!;
    expectRank(this, shape, 4, 'NHWC images [batch, height, width, channels]');
    const [batch, h, w, c] = shape;
    return [
      batch ?? null,
      this.#outLength('height', h ?? null, 0),
      this.#outLength('width', w ?? null, 1),
      c ?? null,
    ];
  }

  #outLength(axis: string, size: number | null, index: 0 | 1): number | null {
    if (size === null) return null;
    const alpha = this.poolingRatio[index];
    // The small margin keeps ratios like 3 / 1.5 from rounding to 1.999… and losing a row.
    const out = Math.floor(size / alpha + 1e-9);
    if (out < 1) {
      throw new ShapeError(
        this.name,
        `the ${axis} of its input, ${size}, is too small: ⌊N/α⌋ = ⌊${size}/${alpha}⌋ = 0 < 1`,
      );
    }
    return out;
  }

  call(inputs: readonly tf.Tensor[], options: CallOptions = {}): tf.Tensor {
    const x = inputs[0] as tf.Tensor4D;
    const [, h, w] = x.shape;
    const rng = options.training ? options.rng : undefined;
    const draw = { pseudoRandom: this.pseudoRandom, rng };
    const rows = fractionalPoolingSequence(h, this.#outLength('height', h, 0)!, draw);
    const cols = fractionalPoolingSequence(w, this.#outLength('width', w, 1)!, draw);
    const r = regionIndices(rows, h, this.overlapping);
    const c = regionIndices(cols, w, this.overlapping);
    // An axis pooled by steps all equal and disjoint needs no gather: its indices are 0 … n − 1.
    const gather = (t: tf.Tensor4D, indices: number[], axis: number) =>
      indices.every((v, i) => v === i) ? t : tf.gather(t, tf.tensor1d(indices, 'int32'), axis);
    const windows = gather(gather(x, r.indices, 1), c.indices, 2);
    if (r.width === 1 && c.width === 1) return windows;
    return tf.maxPool(windows, [r.width, c.width], [r.width, c.width], 'valid');
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      poolingRatio: this.poolingRatio,
      pseudoRandom: this.pseudoRandom,
      overlapping: this.overlapping,
    };
  }
}
