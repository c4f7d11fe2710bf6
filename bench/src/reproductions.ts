// Small-scale reproductions of three figures of the seeds' papers on MNIST-sized inputs (issue 7): the
// degradation of deep plain networks (He et al. 2016, Fig. 1), stochastic depth's training-time cut
// (Huang et al. 2016, Table 2) and FractalNet's deepest column alone (Larsson et al. 2017, Table 3).
import { ready } from '@cnn/core';
import { type ImageSet, mnistEmbedded, split } from '@cnn/datasets';
import { Adam, type Model, SGD, type SGDConfig } from '@cnn/layers';
import {
  type DropPathSampler,
  fractalColumn,
  fractalnet,
  type ResNetDepth,
  type ResNetOptions,
  recalibrateBatchNorm,
  resnet,
} from '@cnn/zoo';
import * as tf from '@tensorflow/tfjs-core';
import { report } from './report';

/** Training and test slices of the embedded MNIST, as tensors: pixels in [0, 1], class indices. */
interface Slices {
  train: { x: tf.Tensor4D; y: tf.Tensor1D };
  test: { x: tf.Tensor4D; y: tf.Tensor1D };
}

const TRAIN = 1024;
const TEST = 1000;
const BATCH = 32;
/** Training images the degradation and stochastic-depth runs recalibrate batch normalisation on. */
const CALIBRATION = 256;

/**
 * The CIFAR nets' training recipe, shared by the degradation and stochastic-depth runs (see the zoo's README,
 * Reproductions, for what the others measured): the paper's SGD (He et al. 2016 §4.2: momentum 0.9, η 0.1
 * at batch 128, here scaled to batch 32 as 0.025, divided by 10 late in the run) with the reference code's
 * momentum form (fb.resnet.torch: b ← μb + g, w ← w − ηb), 12 passes over the slice, η/10 for the last 3.
 */
const RECIPE = { epochs: 12, drops: [0.75], eta: 0.025, momentum: 'torch' } as const;

async function slices(train = TRAIN, test = TEST): Promise<Slices> {
  const parts = split(await mnistEmbedded(), { train, test }, { seed: 7 });
  const tensors = (set: ImageSet) => ({
    x: tf.tensor4d(
      Float32Array.from(set.images, (v) => v / 255),
      [...set.shape],
    ),
    y: tf.tensor1d(set.labels, 'int32'),
  });
  return { train: tensors(parts.train), test: tensors(parts.test) };
}

function free(s: Slices): void {
  tf.dispose([s.train.x, s.train.y, s.test.x, s.test.y]);
}

/** Budget and schedule of a reproduction's training. */
export interface ReproOptions {
  /** Passes over the 1024 training images. */
  epochs?: number;
  /**
   * Seed of the nets' initial weights (default 1); the epochs' shuffles follow it (1000·(seed − 1) + epoch,
   * so seed 1 keeps the figures of earlier runs).
   */
  seed?: number;
  /** Degradation only: which pair to train (default both). */
  nets?: 'plain' | 'resnet' | 'both';
  /**
   * Step schedule as the paper's (He et al. 2016 §4.2 divide η by 10 at 50% and 75% of the run): the
   * fractions of the run after which η is divided by 10, rounded to whole epochs. `[]`: constant η.
   */
  drops?: readonly number[];
  /** Degradation and stochastic depth: the base step size η (before the drops). */
  eta?: number;
  /**
   * Degradation and stochastic depth: SGD's momentum form ('torch' rescales the momentum still to come at
   * each drop of η; 'keras' coasts on the old η's velocity for ~10 steps, see `SGD`).
   */
  momentum?: SGDConfig['momentumForm'];
}

/**
 * {@link RECIPE} with the options' changes, checked (a mistyped `--eta` would otherwise train on NaN): its
 * budget, its MNIST-sized resnets compiled with its SGD, and η by epoch.
 */
function recipe(options: ReproOptions) {
  const {
    epochs = RECIPE.epochs,
    drops = RECIPE.drops,
    eta = RECIPE.eta,
    momentum = RECIPE.momentum,
  } = options;
  if (!(Number.isInteger(epochs) && epochs > 0) || !(eta > 0) || drops.some((d) => !(d > 0 && d < 1))) {
    throw new Error(
      `reproductions: expected epochs a positive integer, eta > 0 and drops in (0, 1), got ${epochs}, ${eta}, ${drops.join(',')}`,
    );
  }
  return {
    epochs,
    eta,
    momentum,
    schedule: drops.length === 0 ? 'constant' : `eta/10 after ${drops.join(', ')}`,
    resnet: (depth: ResNetDepth, net: ResNetOptions) =>
      resnet(depth, { inputShape: [28, 28, 1], classes: 10, ...net }).compile({
        optimizer: new SGD({ learningRate: eta, momentum: 0.9, momentumForm: momentum }),
        loss: 'softmaxCrossEntropy',
        metrics: ['accuracy'],
      }),
    /** Sets `net`'s η for epoch `e` (0-based). */
    setEta: (net: Model, e: number) => {
      net.compiled.optimizer.learningRate = stepSize(e, epochs, drops, eta);
    },
  };
}

/** The shuffle of epoch `e` (0-based) under `seed`: e + 1 for seed 1, as before seeds were an option. */
const shuffleSeed = (seed: number, e: number) => 1000 * (seed - 1) + e + 1;

/** η in epoch `e` (0-based) of `epochs`: `eta` divided by 10 for each drop already passed. */
export function stepSize(e: number, epochs: number, drops: readonly number[], eta: number): number {
  return eta / 10 ** drops.filter((d) => e >= Math.round(d * epochs)).length;
}

/** Trains `net` one epoch over the slice (shuffled by `seed`); its mean training loss and accuracy, its seconds. */
async function epoch(
  net: Model,
  data: Slices['train'],
  seed: number,
): Promise<{ loss: number; accuracy: number; seconds: number }> {
  const start = performance.now();
  const { epochs } = await net.fit(data, { epochs: 1, batchSize: BATCH, seed, progress: false });
  const { loss, accuracy } = epochs[0]!;
  return { loss: loss!, accuracy: accuracy ?? Number.NaN, seconds: (performance.now() - start) / 1000 };
}

/**
 * Fig. 1: plain-20, plain-56, resnet-20 and resnet-56 trained alike by {@link RECIPE} (batch 32, seed 1 by
 * default). For each, the running training loss and error of every epoch (training mode, the paper's
 * curves), and the training error on the slice afterwards in inference mode, with the batch-norm moving
 * averages as trained and recalibrated (`recalibrateBatchNorm` on 256 of the training images: averages of
 * momentum 0.9 cover the last ~10 steps, and lag weights that still move fast, more so over 27 blocks).
 * The deeper plain net should end worse than the shallower; the deeper residual net not.
 */
export async function reproDegradation(backends: string[], options: ReproOptions = {}): Promise<void> {
  const train = recipe(options);
  const { epochs, eta, momentum, schedule } = train;
  const { seed = 1, nets = 'both' } = options;
  if (!['plain', 'resnet', 'both'].includes(nets)) {
    throw new Error(`repro-degradation: nets must be plain, resnet or both, got ${String(nets)}`);
  }
  const pairs = (
    [
      [true, 20],
      [true, 56],
      [false, 20],
      [false, 56],
    ] as const
  ).filter(([plain]) => nets === 'both' || plain === (nets === 'plain'));
  for (const backend of backends) {
    await ready({ backend });
    const data = await slices();
    for (const [plain, depth] of pairs) {
      const net = train.resnet(depth, { plain, seed });
      const start = performance.now();
      let last = { loss: Number.NaN, accuracy: Number.NaN, seconds: 0 };
      const name = `${plain ? 'plain' : 'resnet'}-${depth}`;
      for (let e = 0; e < epochs; e++) {
        train.setEta(net, e);
        last = await epoch(net, data.train, shuffleSeed(seed, e));
        // The curve as it trains (running means over the epoch, training mode), as the paper's Fig. 1.
        report({
          bench: 'repro-degradation-epoch-train-error',
          backend,
          net: name,
          epoch: e + 1,
          eta: net.compiled.optimizer.learningRate,
          loss: Number(last.loss.toPrecision(4)),
          value: 1 - last.accuracy,
          unit: 'fraction',
        });
      }
      const seconds = (performance.now() - start) / 1000;
      const detail = {
        backend,
        net: name,
        seed,
        images: TRAIN,
        epochs,
        eta,
        momentum,
        schedule,
        steps: epochs * Math.ceil(TRAIN / BATCH),
        seconds: Number(seconds.toFixed(1)),
      };
      const error = (value: number, measured: string) =>
        report({ bench: 'repro-degradation-train-error', ...detail, measured, value, unit: 'fraction' });
      report({ bench: 'repro-degradation-train-loss', ...detail, value: last.loss, unit: 'cross-entropy' });
      error(1 - last.accuracy, 'last epoch, training mode');
      error(1 - (await net.evaluate(data.train, { batchSize: 256 })).accuracy!, 'after, BN as trained');
      // On 256 of the training images (a random quarter: the split is shuffled): one partial forward pass
      // per BN layer of a chain makes the whole 1024 cost ~12 minutes for a 56-layer net on one thread.
      const sample = tf.slice(data.train.x, 0, CALIBRATION);
      await recalibrateBatchNorm(net, sample);
      sample.dispose();
      error(1 - (await net.evaluate(data.train, { batchSize: 256 })).accuracy!, 'after, BN recalibrated');
      net.compiled.optimizer.dispose();
      net.dispose();
    }
    free(data);
  }
}

/**
 * Table 2: resnet-56 with stochastic depth (linear decay to p_L = 0.5) against constant depth, trained
 * alike by {@link RECIPE} (seed 1: the constant-depth net is the degradation run's resnet-56, step for
 * step), their epochs alternating so that load drifting over the run slows both alike: the mean seconds
 * per epoch after the first (which compiles kernels), the cut, and each one's test accuracy (1000 held-out
 * images) after the same budget, with the batch-norm moving averages as trained and recalibrated
 * (`recalibrateBatchNorm` on 256 training images): at inference each block adds p_l times its branch, not
 * the branch or nothing as in training, so the BN layers downstream see other statistics than their
 * averages were made on.
 */
export async function reproStochasticDepth(
  backends: string[],
  options: ReproOptions & { depth?: 56 | 110 } = {},
): Promise<void> {
  const train = recipe(options);
  const { epochs, eta, momentum, schedule } = train;
  const { depth = 56 } = options;
  for (const backend of backends) {
    await ready({ backend });
    const data = await slices();
    const nets = [false, true].map((stochasticDepth) => train.resnet(depth, { stochasticDepth, seed: 1 }));
    const kinds = ['constant', 'stochastic'] as const;
    const seconds = nets.map(() => [] as number[]);
    for (let e = 0; e < epochs; e++) {
      for (const [i, net] of nets.entries()) {
        train.setEta(net, e);
        const run = await epoch(net, data.train, shuffleSeed(1, e));
        seconds[i]!.push(run.seconds);
        report({
          bench: 'repro-stochastic-depth-epoch-train-error',
          backend,
          depth: kinds[i]!,
          epoch: e + 1,
          eta: net.compiled.optimizer.learningRate,
          loss: Number(run.loss.toPrecision(4)),
          seconds: Number(run.seconds.toFixed(1)),
          value: 1 - run.accuracy,
          unit: 'fraction',
        });
      }
    }
    const perEpoch = seconds.map((s) => s.slice(1).reduce((a, b) => a + b, 0) / (s.length - 1));
    const detail = {
      backend,
      net: `resnet-${depth}`,
      images: TRAIN,
      batch: BATCH,
      epochs,
      eta,
      momentum,
      schedule,
    };
    const sample = tf.slice(data.train.x, 0, CALIBRATION);
    for (const [i, net] of nets.entries()) {
      const accuracy = async (bn: string) =>
        report({
          bench: 'repro-stochastic-depth-test-accuracy',
          ...detail,
          depth: kinds[i]!,
          bn,
          value: (await net.evaluate(data.test, { batchSize: 250 })).accuracy!,
          unit: 'fraction',
        });
      report({
        bench: 'repro-stochastic-depth-epoch',
        ...detail,
        depth: kinds[i]!,
        value: perEpoch[i]!,
        unit: 's',
      });
      await accuracy('as trained');
      await recalibrateBatchNorm(net, sample);
      await accuracy('recalibrated');
      net.compiled.optimizer.dispose();
      net.dispose();
    }
    sample.dispose();
    report({
      bench: 'repro-stochastic-depth-time-cut',
      ...detail,
      value: 1 - perEpoch[1]! / perEpoch[0]!,
      unit: 'fraction',
    });
    free(data);
  }
}

/**
 * FractalNet: a 3-block, 3-column net (widths 16, 32, 64; local and global drop-path as the paper's
 * defaults) trained with Adam (η = 1e-3) for `epochs` passes over the slice; test accuracy of the whole
 * network and of each column extracted alone (`fractalColumn`), first with the batch-norm statistics as
 * trained, then recalibrated (`recalibrateBatchNorm` on the 1024 training images): the moving averages a
 * column's layers hold were mostly accumulated while joins mixed the columns, not on the column alone.
 * Also the share of training steps that were global, by column, as the sampler drew them.
 */
export async function reproFractal(backends: string[], options: ReproOptions = {}): Promise<void> {
  const { epochs = 4 } = options;
  for (const backend of backends) {
    await ready({ backend });
    const data = await slices();
    const net = fractalnet({ blocks: 3, columns: 3, inputShape: [28, 28, 1], widths: [16, 32, 64], seed: 1 });
    net.compile({
      optimizer: new Adam({ learningRate: 1e-3 }),
      loss: 'softmaxCrossEntropy',
      metrics: ['accuracy'],
    });
    const sampler = net.getLayer('drop_path_sampler') as DropPathSampler;
    const drawn = [0, 0, 0, 0]; // steps local, then global on column 1, 2, 3
    const count = { onBatchEnd: () => void drawn[sampler.choice.global ? sampler.choice.column : 0]!++ };
    const start = performance.now();
    for (let e = 0; e < epochs; e++) {
      await net.fit(data.train, {
        epochs: 1,
        batchSize: BATCH,
        seed: e + 1,
        progress: false,
        callbacks: [count],
      });
    }
    const detail = {
      backend,
      net: 'fractalnet-b3-c3',
      images: TRAIN,
      epochs,
      seconds: Number(((performance.now() - start) / 1000).toFixed(1)),
    };
    const steps = drawn.reduce((a, b) => a + b, 0);
    for (const [i, n] of drawn.entries()) {
      report({
        bench: 'repro-fractal-steps',
        ...detail,
        kind: i === 0 ? 'local' : `global column ${i}`,
        value: n / steps,
        unit: 'fraction',
      });
    }
    const accuracy = async (model: Model, column: number | 'all', bn: 'as trained' | 'recalibrated') => {
      const logs = await model.evaluate(data.test, { batchSize: 250 });
      report({
        bench: 'repro-fractal-test-accuracy',
        ...detail,
        column,
        bn,
        value: logs.accuracy!,
        unit: 'fraction',
      });
    };
    const columns = [1, 2, 3].map((c) =>
      fractalColumn(net, c).compile({ optimizer: 'sgd', loss: 'softmaxCrossEntropy', metrics: ['accuracy'] }),
    );
    // As trained first: recalibrating changes the layers the columns share with the whole net.
    await accuracy(net, 'all', 'as trained');
    for (const [i, column] of columns.entries()) await accuracy(column, i + 1, 'as trained');
    await recalibrateBatchNorm(net, data.train.x);
    await accuracy(net, 'all', 'recalibrated');
    // Each column's BN layers are its own: recalibrating one leaves the others as the whole net set them.
    for (const [i, column] of columns.entries()) {
      await recalibrateBatchNorm(column, data.train.x);
      await accuracy(column, i + 1, 'recalibrated');
    }
    net.compiled.optimizer.dispose();
    net.dispose();
    free(data);
  }
}

/** All three, in order. */
export async function reproductions(backends: string[]): Promise<void> {
  await reproDegradation(backends);
  await reproStochasticDepth(backends);
  await reproFractal(backends);
}
