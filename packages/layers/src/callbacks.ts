import * as tf from '@tensorflow/tfjs-core';
import type { Model } from './model';
import type { Callback, Logs } from './training';

/** A learning rate for each epoch (0-based). */
export type Schedule = (epoch: number) => number;

/** Step decay: `initial · factor^⌊epoch / every⌋` (divide by 10 every 30 epochs: `stepDecay(0.1, 0.1, 30)`). */
export function stepDecay(initial: number, factor: number, every: number): Schedule {
  return (epoch) => initial * factor ** Math.floor(epoch / every);
}

/** Cosine decay from `initial` to `minimum` over `epochs` (Loshchilov & Hutter's SGDR without restarts). */
export function cosineDecay(initial: number, epochs: number, minimum = 0): Schedule {
  return (epoch) =>
    minimum + ((initial - minimum) * (1 + Math.cos((Math.PI * Math.min(epoch, epochs)) / epochs))) / 2;
}

/**
 * Sets the optimiser's learning rate from a schedule at the start of each epoch.
 *
 * @example
 * ```ts
 * await net.fit(data, { epochs: 90, callbacks: [learningRateScheduler(stepDecay(0.1, 0.1, 30))] });
 * ```
 */
export function learningRateScheduler(schedule: Schedule): Callback {
  return {
    onEpochBegin(epoch, model) {
      model.compiled.optimizer.learningRate = schedule(epoch);
    },
  };
}

interface Monitor {
  /** The log to watch. Default `'val_loss'`. */
  monitor?: string;
  /** Whether lower or higher is better; default: higher for names containing 'acc', else lower. */
  mode?: 'min' | 'max';
  /** The least change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Epochs without improvement to wait. */
  patience?: number;
}

/** Tracks the best value of a log; `improved` says whether this epoch beat it. */
function tracker(options: Monitor) {
  const name = options.monitor ?? 'val_loss';
  const max = (options.mode ?? (/acc/.test(name) ? 'max' : 'min')) === 'max';
  const delta = options.minDelta ?? 0;
  let best = max ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  let wait = 0;
  return {
    /** Epochs since the last improvement, after taking this epoch's logs into account. */
    update(logs: Logs): number {
      const value = logs[name];
      if (value === undefined) return 0; // not logged (no validation data): never act
      if (max ? value > best + delta : value < best - delta) {
        best = value;
        wait = 0;
      } else wait++;
      return wait;
    },
    reset(): void {
      wait = 0;
    },
  };
}

/**
 * Stops training when the monitored figure has not improved for `patience` epochs; with
 * `restoreBestWeights`, puts back the weights of the best epoch.
 */
export function earlyStopping(options: Monitor & { restoreBestWeights?: boolean } = {}): Callback {
  const track = tracker(options);
  const patience = options.patience ?? 0;
  let best: Float32Array[] | undefined;
  return {
    onEpochEnd(_epoch, logs, model: Model) {
      const wait = track.update(logs);
      if (options.restoreBestWeights && wait === 0)
        best = model.weights.map((w) => w.variable.dataSync() as Float32Array);
      if (wait > patience) {
        model.stopTraining = true;
        if (best) {
          model.weights.forEach((w, i) => {
            const value = tf.tensor(best![i]!, w.variable.shape);
            w.variable.assign(value);
            value.dispose();
          });
        }
      }
    },
  };
}

/**
 * Divides the learning rate by `1/factor` when the monitored figure stops improving (seed 003: "reduce
 * by 10 when validation accuracy plateaus": `reduceLrOnPlateau({ monitor: 'val_accuracy', factor: 0.1 })`).
 */
export function reduceLrOnPlateau(options: Monitor & { factor?: number; minLr?: number } = {}): Callback {
  const track = tracker(options);
  const patience = options.patience ?? 5;
  return {
    onEpochEnd(_epoch, logs, model) {
      if (track.update(logs) > patience) {
        const optimizer = model.compiled.optimizer;
        optimizer.learningRate = Math.max(
          options.minLr ?? 0,
          optimizer.learningRate * (options.factor ?? 0.1),
        );
        track.reset(); // wait `patience` epochs again at the new rate
      }
    },
  };
}
