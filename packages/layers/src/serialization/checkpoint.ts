import type { Callback, Logs } from '../training';
import { save } from './io';

/** Options of {@link modelCheckpoint}. */
export interface ModelCheckpointOptions {
  /**
   * Where to save (anything `save` takes: a path, `file://`, `indexeddb://` …). `{epoch}` becomes the
   * epoch number (from 1) and `{name}` any logged figure, `{val_loss}` say, to keep one save per epoch.
   */
  path: string;
  /** The figure `saveBestOnly` watches. Default `'val_loss'`. */
  monitor?: string;
  /** Save only when the monitored figure is the best so far. Default false: save after every epoch. */
  saveBestOnly?: boolean;
  /** Whether lower or higher is better; default: higher for names containing 'acc', else lower. */
  mode?: 'min' | 'max';
  /** Largest weight file in bytes. Default 4 MiB. */
  shardBytes?: number;
}

/**
 * A checkpoint's path: `{epoch}` becomes the epoch number from 1, `{name}` the logged figure of that
 * name to 4 significant digits; unknown names stay as they are.
 *
 * @example
 * ```ts
 * checkpointPath('ckpt/{epoch}-{val_loss}', 4, { val_loss: 0.12345 }); // 'ckpt/5-0.1235'
 * ```
 */
export function checkpointPath(path: string, epoch: number, logs: Logs): string {
  return path.replace(/\{([a-zA-Z0-9_]+)\}/g, (whole, key: string) => {
    if (key === 'epoch') return String(epoch + 1);
    const value = logs[key];
    return value === undefined ? whole : value.toPrecision(4);
  });
}

/**
 * Saves the model after each epoch — or, with `saveBestOnly`, after each epoch that improved `monitor` —
 * through `save`, so each checkpoint is written atomically: a crash mid-save leaves the previous one
 * loadable. An epoch whose logs lack the monitored figure (no validation data) is not saved in
 * `saveBestOnly` mode.
 *
 * @example
 * ```ts
 * await net.fit(train, { epochs: 10, validationData: test,
 *   callbacks: [modelCheckpoint({ path: 'checkpoints/best', monitor: 'val_accuracy', saveBestOnly: true })] });
 * ```
 */
export function modelCheckpoint(options: ModelCheckpointOptions): Callback {
  const monitor = options.monitor ?? 'val_loss';
  const max = (options.mode ?? (/acc/.test(monitor) ? 'max' : 'min')) === 'max';
  let best = max ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return {
    async onEpochEnd(epoch, logs, model) {
      if (options.saveBestOnly) {
        const value = logs[monitor];
        if (value === undefined || !(max ? value > best : value < best)) return;
        best = value;
      }
      await save(model, checkpointPath(options.path, epoch, logs), { shardBytes: options.shardBytes });
    },
  };
}
