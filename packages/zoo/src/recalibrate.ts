import { BatchNormalization, type Model, type SymbolicTensor } from '@cnn/layers';
import * as tf from '@tensorflow/tfjs-core';
import { ZooError } from './common';

/** Options of {@link recalibrateBatchNorm}. */
export interface RecalibrateOptions {
  /** Images per forward pass. Default 128. */
  batchSize?: number;
}

/** Per-channel count, mean and sum of squared deviations, merged batch by batch (Chan et al.) in float64. */
class Moments {
  count = 0;
  readonly mean: Float64Array;
  readonly m2: Float64Array;

  constructor(channels: number) {
    this.mean = new Float64Array(channels);
    this.m2 = new Float64Array(channels);
  }

  add(n: number, mean: ArrayLike<number>, variance: ArrayLike<number>): void {
    const total = this.count + n;
    for (let c = 0; c < this.mean.length; c++) {
      const delta = mean[c]! - this.mean[c]!;
      this.mean[c]! += (delta * n) / total;
      this.m2[c]! += variance[c]! * n + ((delta * delta * this.count) / total) * n;
    }
    this.count = total;
  }
}

/**
 * Replaces the moving mean and variance of every BatchNormalization in `model` with the statistics of
 * its input over the images `x`, the model running in inference mode: each layer's exact population
 * mean and (biased, as BN normalises with) variance, layers earlier in the graph recalibrated before the
 * ones they feed. Use it when the moving averages were accumulated on another distribution than the one
 * the model sees now: a {@link fractalColumn} cut out of a FractalNet, whose layers' averages were mostly
 * made while joins mixed the columns (the column alone then drifts off them), or a net after its weights
 * moved faster than the averages follow. Weights are untouched. Layers shared with another model (a
 * column shares the full net's) change there too. Returns the number of layers recalibrated. Cost: one
 * pass over the images per wave of layers that do not feed each other, each pass running the graph up to
 * that wave, so a chain of L BN layers costs about L/2 forward passes (resnet-56 on 1024 MNIST images:
 * minutes on one thread); the result is exact where a few training-mode passes would only approach it.
 *
 * @example
 * ```ts
 * const deepest = fractalColumn(net);
 * await recalibrateBatchNorm(deepest, trainImages);   // then evaluate or save the column alone
 * ```
 */
export async function recalibrateBatchNorm(
  model: Model,
  x: tf.Tensor,
  options: RecalibrateOptions = {},
): Promise<number> {
  const batchSize = options.batchSize ?? 128;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ZooError(`recalibrateBatchNorm: batchSize must be a positive integer, got ${batchSize}`);
  }
  const expected = model.inputs.length === 1 ? model.inputs[0]!.shape : undefined;
  if (
    !expected ||
    x.rank !== expected.length ||
    x.shape[0]! < 1 ||
    expected.some((d, i) => i > 0 && d !== null && d !== x.shape[i])
  ) {
    throw new ZooError(
      `recalibrateBatchNorm: expected images of shape [n ≥ 1, ${expected?.slice(1).join(', ')}] for ${model.name}, got [${x.shape.join(', ')}]`,
    );
  }
  const nodes = model.nodes.filter((n) => n.layer instanceof BatchNormalization);
  if (nodes.length === 0) throw new ZooError(`recalibrateBatchNorm: ${model.name} has no BatchNormalization`);
  const uses = new Map<BatchNormalization, number>();
  for (const n of nodes)
    uses.set(n.layer as BatchNormalization, (uses.get(n.layer as BatchNormalization) ?? 0) + 1);
  const shared = nodes.find((n) => uses.get(n.layer as BatchNormalization)! > 1);
  if (shared) {
    throw new ZooError(
      `recalibrateBatchNorm: ${shared.layer.name} is applied ${uses.get(shared.layer as BatchNormalization)} times in ${model.name}; its statistics would be ambiguous`,
    );
  }
  // Waves: a layer waits for every BN upstream of it; those of one wave share one pass over the images.
  const upstream = bnAncestors(nodes);
  const done = new Set<SymbolicTensor>();
  while (done.size < nodes.length) {
    const wave = nodes.filter((n) => !done.has(n) && [...upstream.get(n)!].every((a) => done.has(a)));
    await recalibrateWave(model, x, wave, batchSize);
    for (const n of wave) done.add(n);
  }
  return nodes.length;
}

/** For each BN node, the BN nodes its input depends on. */
function bnAncestors(nodes: readonly SymbolicTensor[]): Map<SymbolicTensor, Set<SymbolicTensor>> {
  const isBn = new Set(nodes);
  const memo = new Map<SymbolicTensor, Set<SymbolicTensor>>();
  const above = (node: SymbolicTensor): Set<SymbolicTensor> => {
    let set = memo.get(node);
    if (set) return set;
    set = new Set();
    for (const i of node.inputs) {
      if (isBn.has(i)) set.add(i);
      for (const a of above(i)) set.add(a);
    }
    memo.set(node, set);
    return set;
  };
  return new Map(nodes.map((n) => [n, above(n)]));
}

async function recalibrateWave(
  model: Model,
  x: tf.Tensor,
  wave: readonly SymbolicTensor[],
  batchSize: number,
): Promise<void> {
  const names = wave.map((n) => n.inputs[0]!.name);
  const layers = wave.map((n) => n.layer as BatchNormalization);
  const moments = layers.map((l) => new Moments(l.movingMean.shape[0]!));
  const n = x.shape[0]!;
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const stats = tf.tidy(() => {
      const batch = tf.slice(x, start, size);
      const a = model.run(batch, { outputs: names });
      return names.map((name, i) => {
        const v = a[name]!;
        const axis = layers[i]!.axis < 0 ? layers[i]!.axis + v.rank : layers[i]!.axis;
        const { mean, variance } = tf.moments(
          v,
          Array.from({ length: v.rank }, (_, k) => k).filter((k) => k !== axis),
        );
        return { mean, variance, count: v.size / v.shape[axis]! };
      });
    });
    for (const [i, { mean, variance, count }] of stats.entries()) {
      const [m, s] = await Promise.all([mean.data(), variance.data()]);
      moments[i]!.add(count, m, s);
      tf.dispose([mean, variance]);
    }
  }
  tf.tidy(() => {
    layers.forEach((layer, i) => {
      const { mean, m2, count } = moments[i]!;
      layer.movingMean.assign(tf.tensor1d(Float32Array.from(mean)));
      layer.movingVariance.assign(tf.tensor1d(Float32Array.from(m2, (v) => v / count)));
    });
  });
}
