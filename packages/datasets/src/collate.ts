import * as tf from '@tensorflow/tfjs-core';
import { DatasetError } from './errors';

/** One example's array: a view of its values (not copied until batched) and its shape, e.g. `[28, 28, 1]`. */
export interface Example {
  readonly data: ArrayLike<number>;
  readonly shape: readonly number[];
}

/** What an element of a batched `Dataset` may hold: numbers, arrays with a shape, tensors, records of those. */
export type Field = number | Example | tf.Tensor;

/** The type `batch` turns an element type into: numbers and arrays become tensors with a leading batch axis. */
export type Batched<T> = T extends number
  ? tf.Tensor1D
  : T extends tf.Tensor | Example
    ? tf.Tensor
    : T extends object
      ? { [K in keyof T]: Batched<T[K]> }
      : never;

const isTensor = (v: unknown): v is tf.Tensor => v instanceof tf.Tensor;
const isExample = (v: unknown): v is Example =>
  typeof v === 'object' && v !== null && 'data' in v && 'shape' in v && Array.isArray((v as Example).shape);

/**
 * Stacks elements into one batch: numbers into a 1-D tensor (int32 when all are integers, else float32),
 * {@link Example}s into a float32 tensor `[n, ...shape]` filled straight from their views, tensors with
 * `tf.stack` (disposing the elements). Records are collated key by key.
 */
export function collate<T>(items: readonly T[], path = 'element'): Batched<T> {
  const first = items[0];
  if (typeof first === 'number') {
    const values = items as unknown as number[];
    return tf.tensor1d(values, values.every(Number.isInteger) ? 'int32' : 'float32') as Batched<T>;
  }
  if (isTensor(first)) {
    const tensors = items as unknown as tf.Tensor[];
    const out = tf.stack(tensors);
    for (const t of tensors) t.dispose();
    return out as Batched<T>;
  }
  if (isExample(first)) return stackExamples(items as unknown as Example[], path) as Batched<T>;
  if (typeof first === 'object' && first !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      out[key] = collate(
        items.map((item) => (item as Record<string, unknown>)[key]),
        `${path}.${key}`,
      );
    }
    return out as Batched<T>;
  }
  throw new DatasetError(
    `batch: cannot stack ${path} of type ${typeof first}; expected numbers, { data, shape } arrays, tensors or records of them`,
  );
}

function stackExamples(examples: readonly Example[], path: string): tf.Tensor {
  const shape = examples[0]!.shape;
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(examples.length * size);
  examples.forEach((example, i) => {
    if (example.shape.length !== shape.length || example.shape.some((d, k) => d !== shape[k])) {
      throw new DatasetError(
        `batch: ${path} ${i} has shape [${example.shape.join(', ')}], the batch's first has [${shape.join(', ')}]; resize or pad to one shape before batching`,
      );
    }
    if (example.data.length !== size) {
      throw new DatasetError(
        `batch: ${path} ${i} has ${example.data.length} values for shape [${shape.join(', ')}] (${size} expected)`,
      );
    }
    data.set(example.data, i * size);
  });
  return tf.tensor(data, [examples.length, ...shape], 'float32');
}

/** Disposes every tensor in an element (a tensor, or a record holding some) except those in `keep`. */
export function disposeElement(value: unknown, keep?: ReadonlySet<tf.Tensor>): void {
  if (isTensor(value)) {
    if (!keep?.has(value)) value.dispose();
  } else if (typeof value === 'object' && value !== null && !isExample(value)) {
    for (const v of Object.values(value)) disposeElement(v, keep);
  }
}

/** Every tensor an element holds. */
export function tensorsOf(value: unknown, into = new Set<tf.Tensor>()): Set<tf.Tensor> {
  if (isTensor(value)) into.add(value);
  else if (typeof value === 'object' && value !== null && !isExample(value)) {
    for (const v of Object.values(value)) tensorsOf(v, into);
  }
  return into;
}
