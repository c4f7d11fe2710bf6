import { ProgressBar, type ProgressCallback, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { LayerError } from './errors';
import { type LossFn, type LossName, loss as lossOf } from './losses';
import { type MetricFn, type MetricName, metric as metricOf } from './metrics';
import type { Model } from './model';
import { Optimizer, type OptimizerName, optimizers } from './optimizers';

/** How a model trains: `model.compile({ optimizer: 'adam', loss: 'softmaxCrossEntropy', metrics: ['accuracy'] })`. */
export interface CompileOptions {
  optimizer: Optimizer | OptimizerName;
  loss: LossName | LossFn;
  metrics?: readonly (MetricName | MetricFn)[];
}

/** One batch: inputs and targets (class indices or one-hot rows for classification). */
export interface Batch {
  readonly x: tf.Tensor | readonly tf.Tensor[];
  readonly y: tf.Tensor;
}

/**
 * Training or evaluation data: tensors of the whole set (`fit` batches and shuffles them), or batches
 * from an (async) iterable such as a `@cnn/datasets` `Dataset` — each iteration one epoch; `fit`
 * disposes the batches it takes.
 */
export type Data = { readonly x: tf.Tensor; readonly y: tf.Tensor } | AsyncIterable<Batch> | Iterable<Batch>;

/** Figures of an epoch: `loss`, each metric, and `val_…` for validation. */
export type Logs = Record<string, number>;

/** Hooks into training; every one may be async. Set `model.stopTraining = true` to stop after this epoch. */
export interface Callback {
  onTrainBegin?(model: Model): void | Promise<void>;
  onEpochBegin?(epoch: number, model: Model): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs, model: Model): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs, model: Model): void | Promise<void>;
  onTrainEnd?(history: History, model: Model): void | Promise<void>;
}

export interface FitOptions {
  epochs?: number;
  /** Batch size for tensor data. Default 32. */
  batchSize?: number;
  /** Reshuffle tensor data each epoch. Default true. */
  shuffle?: boolean;
  /** Seed of the shuffles and of dropout's masks. Default 0. */
  seed?: number;
  validationData?: Data;
  callbacks?: readonly Callback[];
  /** A progress bar on stderr; default: when stderr is a terminal. */
  progress?: boolean;
  /** Called after each batch: `done`/`total` count batches of the epoch, `info` holds the running logs. */
  onProgress?: ProgressCallback;
}

/** The logs of every epoch. */
export interface History {
  readonly epochs: readonly Logs[];
}

export interface Compiled {
  readonly optimizer: Optimizer;
  readonly loss: LossFn;
  readonly metrics: readonly { name: string; fn: MetricFn }[];
}

export function compileOptions(options: CompileOptions): Compiled {
  const optimizer =
    typeof options.optimizer === 'string' ? optimizers[options.optimizer]?.() : options.optimizer;
  if (!(optimizer instanceof Optimizer)) {
    throw new LayerError(
      `compile: unknown optimizer '${String(options.optimizer)}'; known: ${Object.keys(optimizers).join(', ')}`,
    );
  }
  return {
    optimizer,
    loss: lossOf(options.loss),
    metrics: (options.metrics ?? []).map((m, i) => ({
      name: typeof m === 'string' ? m : m.name || `metric${i}`,
      fn: metricOf(m),
    })),
  };
}

/** Whether `data` is the whole set as tensors (rather than batches from an iterable). */
function isTensorData(data: Data): data is { readonly x: tf.Tensor; readonly y: tf.Tensor } {
  return 'x' in data && data.x instanceof tf.Tensor;
}

/** Example-weighted means of the loss and metrics over the batches seen so far. */
class RunningMeans {
  readonly #sums: Logs = {};
  #seen = 0;
  constructor(readonly names: readonly string[]) {}
  /** Adds one batch of `n` examples: `values` in the order of `names`. */
  add(values: readonly number[], n: number): void {
    this.#seen += n;
    this.names.forEach((name, k) => {
      this.#sums[name] = (this.#sums[name] ?? 0) + values[k]! * n;
    });
  }
  get means(): Logs {
    return Object.fromEntries(Object.entries(this.#sums).map(([k, v]) => [k, v / Math.max(this.#seen, 1)]));
  }
}

/** Batches of `data` for one epoch; tensor data is cut (and shuffled with `rng`) into new batches. */
async function* batchesOf(data: Data, batchSize: number, rng: Rng | undefined): AsyncGenerator<Batch> {
  if (isTensorData(data)) {
    const n = data.x.shape[0]!;
    if (data.y.shape[0] !== n) {
      throw new LayerError(`fit: x has ${n} examples, y has ${data.y.shape[0]}; they must agree`);
    }
    const order = rng ? rng.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
    for (let start = 0; start < n; start += batchSize) {
      const index = tf.tensor1d(order.subarray(start, start + batchSize), 'int32');
      const batch = { x: tf.gather(data.x, index), y: tf.gather(data.y, index) };
      index.dispose();
      yield batch;
    }
    return;
  }
  yield* data as AsyncIterable<Batch>;
}

function sizeOf(data: Data, batchSize: number): number {
  if (isTensorData(data)) return Math.ceil(data.x.shape[0]! / batchSize);
  const size = (data as { size?: unknown }).size;
  return typeof size === 'number' ? size : 0;
}

/** Trains `model` (see `Model.fit`). */
export async function fit(
  model: Model,
  compiled: Compiled,
  data: Data,
  options: FitOptions = {},
): Promise<History> {
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 32;
  const rng = new Rng(options.seed ?? 0);
  const callbacks = options.callbacks ?? [];
  const history: Logs[] = [];
  const variables = model.trainableWeights.map((w) => w.variable);
  const regularized = model.trainableWeights.filter((w) => w.regularizer);
  model.stopTraining = false;
  for (const c of callbacks) await c.onTrainBegin?.(model);
  for (let epoch = 0; epoch < epochs && !model.stopTraining; epoch++) {
    for (const c of callbacks) await c.onEpochBegin?.(epoch, model);
    const total = sizeOf(data, batchSize);
    const bar =
      (options.progress ??
        Boolean((globalThis as { process?: { stderr?: { isTTY?: boolean } } }).process?.stderr?.isTTY)) &&
      total
        ? new ProgressBar({ total, label: `epoch ${epoch + 1}/${epochs}`, unit: 'batch' })
        : undefined;
    const running = new RunningMeans(['loss', ...compiled.metrics.map((m) => m.name)]);
    let step = 0;
    const start = performance.now();
    const shuffle = (options.shuffle ?? true) ? rng.fork() : undefined;
    for await (const batch of batchesOf(data, batchSize, shuffle)) {
      const xs = [batch.x].flat() as tf.Tensor[];
      const stepRng = rng.fork();
      let kept: tf.Scalar[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const yPred = model.call(xs, { training: true, rng: stepRng });
        kept = compiled.metrics.map((m) => tf.keep(m.fn(batch.y, yPred)));
        let total = compiled.loss(batch.y, yPred);
        for (const w of regularized) total = tf.add(total, w.regularizer!(w.variable));
        return total;
      }, variables);
      // A weight without a gradient (in a branch stochastic depth or drop-path skipped) is not updated
      // this step: no step, no decay, its optimiser state untouched.
      compiled.optimizer.applyGradients(
        new Map(variables.flatMap((v) => (grads[v.name] ? [[v, grads[v.name]!] as const] : []))),
      );
      const values = await Promise.all([value, ...kept].map(async (t) => (await t.data())[0]!));
      tf.dispose([value, ...kept, ...Object.values(grads), ...xs, batch.y]);
      running.add(values, xs[0]!.shape[0]!);
      const logs = running.means;
      step++;
      bar?.update(step, logs);
      options.onProgress?.({ done: step, total, elapsed: (performance.now() - start) / 1000, info: logs });
      for (const c of callbacks) await c.onBatchEnd?.(step - 1, logs, model);
    }
    bar?.finish();
    const logs = running.means;
    if (options.validationData) {
      for (const [k, v] of Object.entries(
        await evaluate(model, compiled, options.validationData, { batchSize }),
      )) {
        logs[`val_${k}`] = v;
      }
    }
    history.push(logs);
    for (const c of callbacks) await c.onEpochEnd?.(epoch, logs, model);
  }
  const result = { epochs: history };
  for (const c of callbacks) await c.onTrainEnd?.(result, model);
  return result;
}

/** The loss and metrics of `model` on `data`, in inference mode, averaged over examples. */
export async function evaluate(
  model: Model,
  compiled: Compiled,
  data: Data,
  options: { batchSize?: number } = {},
): Promise<Logs> {
  const running = new RunningMeans(['loss', ...compiled.metrics.map((m) => m.name)]);
  for await (const batch of batchesOf(data, options.batchSize ?? 32, undefined)) {
    const xs = [batch.x].flat() as tf.Tensor[];
    const scalars = tf.tidy(() => {
      const yPred = model.call(xs, { training: false });
      return [compiled.loss(batch.y, yPred), ...compiled.metrics.map((m) => m.fn(batch.y, yPred))];
    });
    const values = await Promise.all(scalars.map(async (t) => (await t.data())[0]!));
    tf.dispose([...scalars, ...xs, batch.y]);
    running.add(values, xs[0]!.shape[0]!);
  }
  return running.means;
}
