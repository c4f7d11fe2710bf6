import { fromHalf } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { LayerError } from '../errors';
import type { Model } from '../model';
import { formatShape } from '../shape';

/** One weight's entry in a manifest: name, shape, dtype, and how it was quantized if it was. */
export type WeightSpec = tf.io.WeightsManifestEntry;

/**
 * tfjs' default shard size, 4 MiB: small enough for browsers' caches and HTTP/2 to handle well.
 *
 * @example
 * ```ts
 * shardWeights(specs, data, SHARD_BYTES);
 * ```
 */
export const SHARD_BYTES = 4 * 1024 * 1024;

/**
 * A model's weights as the layers format stores them: one spec per weight (Keras' names, `conv1/kernel`,
 * float32) and their values back to back in one buffer, in `model.weights` order.
 *
 * @example
 * ```ts
 * const { specs, data } = await encodeWeights(net);   // specs[0]: { name: 'conv1/kernel', shape: [5, 5, 1, 32], dtype: 'float32' }
 * ```
 */
export async function encodeWeights(model: Model): Promise<{ specs: WeightSpec[]; data: ArrayBuffer }> {
  const weights = model.weights;
  // `data()` rather than `dataSync()`: a GPU backend reads back without stalling the page.
  const values = await Promise.all(weights.map((w) => w.variable.data<'float32'>()));
  const bytes = new Uint8Array(values.reduce((n, v) => n + v.length * 4, 0));
  let offset = 0;
  for (const v of values) {
    bytes.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), offset);
    offset += v.byteLength;
  }
  const specs = weights.map((w) => ({
    name: w.name,
    shape: [...w.variable.shape],
    dtype: 'float32' as const,
  }));
  return { specs, data: bytes.buffer };
}

/**
 * Splits weight data into shards of at most `shardBytes` (a weight may span two) and writes the manifest
 * that lists them: `[{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: specs }]`.
 *
 * @example
 * ```ts
 * const { manifest, shards } = shardWeights(specs, data);
 * ```
 */
export function shardWeights(
  specs: readonly WeightSpec[],
  data: ArrayBuffer,
  shardBytes = SHARD_BYTES,
): { manifest: tf.io.WeightsManifestConfig; shards: Uint8Array[] } {
  if (!(Number.isInteger(shardBytes) && shardBytes > 0)) {
    throw new LayerError(`shardBytes must be a positive integer, got ${shardBytes}`);
  }
  const count = Math.max(1, Math.ceil(data.byteLength / shardBytes));
  const shards = Array.from(
    { length: count },
    (_, i) => new Uint8Array(data, i * shardBytes, Math.min(shardBytes, data.byteLength - i * shardBytes)),
  );
  const paths = shards.map((_, i) => `group1-shard${i + 1}of${count}.bin`);
  return { manifest: [{ paths, weights: specs.map((s) => ({ ...s })) }], shards };
}

const QUANTIZED_BYTES = { uint8: 1, uint16: 2, float16: 2 } as const;

/**
 * The bytes one weight takes in the data, from its spec; unsupported dtypes throw a LayerError.
 *
 * @example
 * ```ts
 * byteLength({ name: 'fc/kernel', shape: [3, 2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 1, min: 0 } }); // 6
 * ```
 */
export function byteLength(spec: WeightSpec): number {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const q = spec.quantization?.dtype;
  if (q !== undefined) {
    if (!(q in QUANTIZED_BYTES)) {
      throw new LayerError(`weight ${spec.name}: unknown quantization '${q}'; known: uint8, uint16, float16`);
    }
    return size * QUANTIZED_BYTES[q];
  }
  if (spec.dtype === 'float32' || spec.dtype === 'int32') return size * 4;
  throw new LayerError(
    `weight ${spec.name}: dtype '${spec.dtype}' is not supported; expected float32 or int32`,
  );
}

/** `out[i] = f(source[i])`: a plain loop, ~25× faster than `Float32Array.from(source, f)` on V8. */
function mapped(source: ArrayLike<number>, f: (v: number) => number): Float32Array {
  const out = new Float32Array(source.length);
  for (let i = 0; i < source.length; i++) out[i] = f(source[i]!);
  return out;
}

/** One weight's values as float32, dequantized as tfjs does (q·scale + min; int32 rounds). */
function decodeOne(spec: WeightSpec, bytes: ArrayBuffer): Float32Array {
  const q = spec.quantization;
  if (!q) return spec.dtype === 'int32' ? Float32Array.from(new Int32Array(bytes)) : new Float32Array(bytes);
  if (q.dtype === 'float16') {
    if (spec.dtype !== 'float32')
      throw new LayerError(`weight ${spec.name}: float16 holds float32 weights only`);
    return mapped(new Uint16Array(bytes), fromHalf);
  }
  if (typeof q.scale !== 'number' || typeof q.min !== 'number') {
    throw new LayerError(`weight ${spec.name}: ${q.dtype} quantization needs a numeric scale and min`);
  }
  const { scale, min } = q;
  const raw = q.dtype === 'uint8' ? new Uint8Array(bytes) : new Uint16Array(bytes);
  return spec.dtype === 'int32'
    ? mapped(raw, (v) => Math.round(v * scale + min))
    : mapped(raw, (v) => v * scale + min);
}

/**
 * Weight data given as one buffer or several (tfjs' `WeightData`, or file contents) as one byte array:
 * the one part as it is, or the parts copied back to back.
 *
 * @example
 * ```ts
 * concatBytes([new ArrayBuffer(4), new ArrayBuffer(8)]).byteLength; // 12
 * ```
 */
export function concatBytes(data: tf.io.WeightData | readonly Uint8Array[]): Uint8Array {
  const parts = (Array.isArray(data) ? data : [data]).map((p) =>
    p instanceof Uint8Array ? p : new Uint8Array(p as ArrayBuffer),
  );
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

/**
 * Checks that `bytes` bytes of data are what the specs take; else a LayerError names the first weight cut
 * short (or the excess), and `source` (the shard files, say).
 *
 * @example
 * ```ts
 * checkWeightBytes(shards.reduce((n, s) => n + s.byteLength, 0), group.weights, 'group1-shard1of1.bin');
 * ```
 */
export function checkWeightBytes(
  bytes: number,
  specs: readonly WeightSpec[],
  source = 'the weight data',
): void {
  let offset = 0;
  for (const spec of specs) {
    const length = byteLength(spec);
    if (offset + length > bytes) {
      throw new LayerError(
        `${source} ${bytes === 0 ? 'is empty' : `ends after ${bytes} bytes`}: weight ${spec.name} ` +
          `${formatShape(spec.shape)} needs bytes ${offset}–${offset + length}; the file is cut short or not this model's`,
      );
    }
    offset += length;
  }
  if (offset !== bytes) {
    throw new LayerError(
      `${source} holds ${bytes} bytes but its ${specs.length} weights take ${offset}: not this manifest's data`,
    );
  }
}

/**
 * Decodes weight data by its specs to float32 values by name: float32 and int32 weights, and those
 * quantized to uint8, uint16 (q·scale + min) or float16. Data shorter or longer than the specs say throws
 * a LayerError (see {@link checkWeightBytes}).
 *
 * @example
 * ```ts
 * const values = decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);   // Map name → { spec, values }
 * ```
 */
export function decodeWeights(
  data: tf.io.WeightData | readonly Uint8Array[],
  specs: readonly WeightSpec[],
  source?: string,
): Map<string, { spec: WeightSpec; values: Float32Array }> {
  const bytes = concatBytes(data);
  checkWeightBytes(bytes.byteLength, specs, source);
  const out = new Map<string, { spec: WeightSpec; values: Float32Array }>();
  let offset = 0;
  for (const spec of specs) {
    const length = byteLength(spec);
    // A copy: aligned for the typed array whatever the weights before it took.
    const slice = bytes.slice(offset, offset + length).buffer;
    out.set(spec.name, { spec, values: decodeOne(spec, slice) });
    offset += length;
  }
  return out;
}

/** The saved weight for a model weight: the same name, the name with Keras' `:0`, or a unique `…/name`. */
function lookup(saved: Map<string, unknown>, name: string): string | undefined {
  if (saved.has(name)) return name;
  if (saved.has(`${name}:0`)) return `${name}:0`;
  const scoped = [...saved.keys()].filter((k) => k.replace(/:0$/, '').endsWith(`/${name}`));
  return scoped.length === 1 ? scoped[0] : undefined;
}

/**
 * Assigns decoded weights to a model, bit for bit. Every model weight must be there with its shape, or a
 * LayerError names it and both shapes; with `strict` (default), saved model weights the model has no
 * place for throw too (optimizer weights are skipped).
 *
 * @example
 * ```ts
 * assignWeights(net, decodeWeights(data, specs));
 * ```
 */
export function assignWeights(
  model: Model,
  saved: Map<string, { spec: WeightSpec; values: Float32Array }>,
  options: { strict?: boolean } = {},
): void {
  const plan = model.weights.map((w) => {
    const key = lookup(saved, w.name);
    const shape = formatShape(w.variable.shape);
    if (key === undefined) {
      const names = [...saved.keys()];
      throw new LayerError(
        `weight ${w.name} ${shape} is missing from the saved weights, which hold ${names.slice(0, 8).join(', ')}${names.length > 8 ? ` and ${names.length - 8} more` : ''}`,
      );
    }
    const { spec, values } = saved.get(key)!;
    if (
      spec.shape.length !== w.variable.shape.length ||
      spec.shape.some((d, i) => d !== w.variable.shape[i])
    ) {
      throw new LayerError(
        `weight ${w.name} has shape ${shape} in the model but ${formatShape(spec.shape)} in the saved weights`,
      );
    }
    return { variable: w.variable, key, values };
  });
  if (options.strict ?? true) {
    const used = new Set(plan.map((p) => p.key));
    const extra = [...saved.values()].filter((s) => s.spec.group !== 'optimizer' && !used.has(s.spec.name));
    if (extra.length > 0) {
      throw new LayerError(
        `the saved weights ${extra.map((s) => s.spec.name).join(', ')} match no weight of ${model.name} ` +
          '(pass strict: false to ignore them)',
      );
    }
  }
  for (const { variable, values } of plan) {
    const value = tf.tensor(values, variable.shape, 'float32');
    variable.assign(value);
    value.dispose();
  }
}
