import * as tf from '@tensorflow/tfjs-core';
import { TensorLeakError } from './errors';

/**
 * Runs `fn` and throws a {@link TensorLeakError} if more tensors are alive afterwards than before, not
 * counting the tensors `fn` returns (found anywhere in its result: arrays, plain objects, maps). For tests:
 * every cnn package checks that its functions dispose what they make.
 *
 * @example
 * ```ts
 * const y = await expectNoLeaks(() => tf.tidy(() => model.predict(x)));   // returns y; throws on a leak
 * y.dispose();
 * ```
 */
export async function expectNoLeaks<T>(fn: () => T | Promise<T>, label = 'function'): Promise<T> {
  // Tensor ids only grow: returned tensors with an id above the probe's were made by fn.
  const probe = tf.scalar(0);
  const firstNewId = probe.id + 1;
  probe.dispose();
  const before = tf.memory().numTensors;
  const result = await fn();
  const kept = countTensors(result, firstNewId);
  const leaked = tf.memory().numTensors - before - kept;
  if (leaked > 0) {
    throw new TensorLeakError(
      `${label} left ${leaked} tensor(s) alive: ${before} before, ${tf.memory().numTensors} after, ` +
        `${kept} returned`,
      leaked,
    );
  }
  return result;
}

/**
 * The distinct live tensors reachable from `value` through arrays, maps, sets and plain objects (only those
 * with an id of at least `minId`).
 */
export function countTensors(value: unknown, minId = 0): number {
  const seen = new Set<unknown>();
  let count = 0;
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (v instanceof tf.Tensor) {
      if (!v.isDisposed && v.id >= minId) count++;
    } else if (Array.isArray(v) || v instanceof Set) {
      for (const item of v) visit(item);
    } else if (v instanceof Map) {
      for (const item of v.values()) visit(item);
    } else if (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) {
      for (const item of Object.values(v)) visit(item);
    }
  };
  visit(value);
  return count;
}
