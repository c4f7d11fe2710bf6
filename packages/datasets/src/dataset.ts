import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { type Batched, collate, disposeElement, type Example, tensorsOf } from './collate';
import { DatasetError } from './errors';
import type { ImageSet } from './image_set';

/** One labelled image of an {@link ImageSet}: its pixels as a view (no copy) and its class index. */
export interface LabeledExample {
  readonly x: Example;
  readonly y: number;
}

type Source<T> = () => AsyncIterable<T> | Iterable<T>;

/**
 * A lazy, re-iterable pipeline of elements, after `tf.data`: nothing is read or computed until it is
 * iterated, each `for await` starts from the top (a new epoch, reshuffled), and only batches become
 * tensors, so sets larger than memory stream through. Steps that drop elements holding tensors
 * (`filter`, `take`, `skip`, an early `break`) dispose them; `map` disposes the tensors of its input that
 * its output does not keep. Whoever takes an element owns its tensors.
 *
 * @example
 * ```ts
 * const train = Dataset.fromImages(mnist.train)
 *   .shuffle(10_000, { seed: 1 })
 *   .batch(64)
 *   .map(({ x, y }) => ({ x: x.div(255), y: tf.oneHot(y, 10) }))
 *   .prefetch(2);
 * for await (const { x, y } of train) { … ; tf.dispose([x, y]); }
 * ```
 */
export class Dataset<T> implements AsyncIterable<T> {
  private constructor(
    private readonly source: Source<T>,
    /** The number of elements one iteration yields, when it is known without iterating (else `undefined`). */
    readonly size: number | undefined,
  ) {}

  /** The elements of an array (or any re-iterable collection), in order. */
  static from<T>(items: readonly T[] | Iterable<T>): Dataset<T> {
    return new Dataset(() => items, Array.isArray(items) ? items.length : undefined);
  }

  /** Elements made by a generator function, called anew for each iteration: the way to stream from disk. */
  static fromGenerator<T>(make: () => AsyncIterable<T> | Iterable<T>, size?: number): Dataset<T> {
    return new Dataset(make, size);
  }

  /** Each image of a set with its label; pixels are views of the set's array, copied only when batched. */
  static fromImages(set: ImageSet): Dataset<LabeledExample> {
    const [n, h, w, c] = set.shape;
    const size = h * w * c;
    const shape = [h, w, c] as const;
    return new Dataset(function* () {
      for (let i = 0; i < n; i++) {
        yield { x: { data: set.images.subarray(i * size, (i + 1) * size), shape }, y: set.labels[i]! };
      }
    }, n);
  }

  /**
   * Applies `fn` to each element, inside `tf.tidy`: intermediate tensors are freed, and tensors of the
   * input that the output does not hold are disposed. `fn` must be synchronous; see {@link mapAsync}.
   */
  map<U>(fn: (item: T) => U): Dataset<U> {
    return this.#mapWith(
      (item) =>
        tf.tidy(() => {
          const result = fn(item);
          if (result instanceof Promise) {
            throw new DatasetError(
              'map: the function returned a promise; use mapAsync for asynchronous steps',
            );
          }
          return result as tf.TensorContainer;
        }) as U,
    );
  }

  /** Like {@link map} for asynchronous functions, which cannot run inside `tf.tidy`: they free their own intermediates. */
  mapAsync<U>(fn: (item: T) => Promise<U>): Dataset<U> {
    return this.#mapWith(fn);
  }

  #mapWith<U>(fn: (item: T) => U | Promise<U>): Dataset<U> {
    const source = this.source;
    return new Dataset(async function* () {
      for await (const item of source()) {
        let out: U;
        try {
          out = await fn(item);
        } catch (error) {
          disposeElement(item);
          throw error;
        }
        disposeElement(item, tensorsOf(out));
        yield out;
      }
    }, this.size);
  }

  /** Keeps the elements for which `predicate` holds (disposing the others' tensors). */
  filter(predicate: (item: T) => boolean | Promise<boolean>): Dataset<T> {
    const source = this.source;
    return new Dataset(async function* () {
      for await (const item of source()) {
        if (await predicate(item)) yield item;
        else disposeElement(item);
      }
    }, undefined);
  }

  /**
   * Shuffles through a buffer of `bufferSize` elements, as `tf.data` does: a buffer at least the size of
   * the set gives a uniform permutation; a smaller one streams with bounded memory. Seeded: the same seed
   * gives the same order on every platform, and each iteration (epoch) draws a new order unless
   * `reshuffleEachIteration` is false.
   */
  shuffle(bufferSize: number, options: { seed?: number; reshuffleEachIteration?: boolean } = {}): Dataset<T> {
    positiveInteger('shuffle', 'bufferSize', bufferSize);
    const source = this.source;
    const root = options.seed === undefined ? Rng.fromEntropy() : new Rng(options.seed);
    const reshuffle = options.reshuffleEachIteration ?? true;
    const first = root.getState();
    return new Dataset(async function* () {
      const rng = reshuffle ? root.fork() : Rng.fromState(first);
      const buffer: T[] = [];
      try {
        for await (const item of source()) {
          if (buffer.length < bufferSize) {
            buffer.push(item);
            continue;
          }
          const i = rng.int(bufferSize);
          const out = buffer[i]!;
          buffer[i] = item;
          yield out;
        }
        while (buffer.length > 0) {
          const i = rng.int(buffer.length);
          const out = buffer[i]!;
          buffer[i] = buffer[buffer.length - 1]!;
          buffer.pop();
          yield out;
        }
      } finally {
        for (const item of buffer) disposeElement(item);
      }
    }, this.size);
  }

  /**
   * Groups `size` consecutive elements into one: numbers become a 1-D tensor, `{ data, shape }` arrays a
   * float32 tensor with a leading batch axis, tensors are stacked; records key by key. The last batch is
   * smaller unless `dropRemainder`.
   */
  batch(size: number, options: { dropRemainder?: boolean } = {}): Dataset<Batched<T>> {
    positiveInteger('batch', 'size', size);
    const source = this.source;
    const drop = options.dropRemainder ?? false;
    const n = this.size;
    return new Dataset(
      async function* () {
        let items: T[] = [];
        try {
          for await (const item of source()) {
            items.push(item);
            if (items.length === size) {
              const full = items;
              items = [];
              yield collate(full);
            }
          }
          if (items.length > 0 && !drop) {
            const rest = items;
            items = [];
            yield collate(rest);
          }
        } finally {
          for (const item of items) disposeElement(item);
        }
      },
      n === undefined ? undefined : drop ? Math.floor(n / size) : Math.ceil(n / size),
    );
  }

  /**
   * Prepares up to `count` elements ahead of the consumer, so that reading and decoding overlap with
   * work that awaits (data downloads from the GPU, file reads).
   */
  prefetch(count: number): Dataset<T> {
    positiveInteger('prefetch', 'count', count);
    const source = this.source;
    return new Dataset(async function* () {
      const it = toAsync(source())[Symbol.asyncIterator]();
      const queue: Promise<IteratorResult<T>>[] = [];
      try {
        for (;;) {
          while (queue.length <= count) queue.push(it.next());
          const result = await queue.shift()!;
          if (result.done) return;
          yield result.value;
        }
      } finally {
        for (const pending of await Promise.allSettled(queue)) {
          if (pending.status === 'fulfilled' && !pending.value.done) disposeElement(pending.value.value);
        }
        await it.return?.(undefined);
      }
    }, this.size);
  }

  /** The first `count` elements. */
  take(count: number): Dataset<T> {
    nonNegativeInteger('take', 'count', count);
    const source = this.source;
    return new Dataset(
      async function* () {
        if (count === 0) return;
        let taken = 0;
        for await (const item of source()) {
          yield item;
          if (++taken >= count) return;
        }
      },
      this.size === undefined ? undefined : Math.min(this.size, count),
    );
  }

  /** All but the first `count` elements. */
  skip(count: number): Dataset<T> {
    nonNegativeInteger('skip', 'count', count);
    const source = this.source;
    return new Dataset(
      async function* () {
        let skipped = 0;
        for await (const item of source()) {
          if (skipped++ < count) disposeElement(item);
          else yield item;
        }
      },
      this.size === undefined ? undefined : Math.max(0, this.size - count),
    );
  }

  /** The elements `count` times over (forever by default), each pass a new iteration of what came before. */
  repeat(count = Number.POSITIVE_INFINITY): Dataset<T> {
    if (count !== Number.POSITIVE_INFINITY) nonNegativeInteger('repeat', 'count', count);
    const source = this.source;
    return new Dataset(
      async function* () {
        for (let pass = 0; pass < count; pass++) {
          let any = false;
          for await (const item of source()) {
            any = true;
            yield item;
          }
          if (!any) return; // an empty set repeated forever would spin
        }
      },
      this.size === undefined ? undefined : this.size * count,
    );
  }

  /** Calls `fn` on every element in order (awaiting it); the caller's `fn` owns the elements. */
  async forEach(fn: (item: T, index: number) => void | Promise<void>): Promise<void> {
    let i = 0;
    for await (const item of this) await fn(item, i++);
  }

  /** All elements in an array (for small sets and tests). */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const item of this) out.push(item);
    return out;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return toAsync(this.source())[Symbol.asyncIterator]();
  }
}

async function* toAsync<T>(items: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

function positiveInteger(step: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new DatasetError(`${step}: ${name} must be a positive integer, got ${value}`);
  }
}

function nonNegativeInteger(step: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new DatasetError(`${step}: ${name} must be a non-negative integer, got ${value}`);
  }
}
