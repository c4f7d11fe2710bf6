import { CnnError } from '@cnn/core';
import { decodeWeights, type WeightSpec } from '@cnn/layers';
import type * as tf from '@tensorflow/tfjs-core';
import { WeightFormatError } from './errors';
import type { NamedWeights } from './named';

/** A tfjs weights manifest: groups of weights, each stored back to back across the group's shard files. */
export type WeightsManifest = tf.io.WeightsManifestConfig;

const fail = (message: string, options?: ErrorOptions) =>
  new WeightFormatError('weights-manifest', message, options);

const show = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

const BYTES = { float32: 4, int32: 4 } as const;
const QUANTIZED = { uint8: 1, uint16: 2, float16: 2 } as const;

/** The bytes one checked entry takes in its group's data. */
export function entryBytes(spec: WeightSpec): number {
  const per = spec.quantization ? QUANTIZED[spec.quantization.dtype] : BYTES[spec.dtype as 'float32'];
  return spec.shape.reduce((a, b) => a * b, 1) * per;
}

function checkEntry(entry: unknown, where: string): WeightSpec {
  const e = entry as Partial<WeightSpec> | null;
  if (typeof e !== 'object' || e === null || typeof e.name !== 'string' || e.name === '') {
    throw fail(`${where}: expected { name, shape, dtype }, got ${show(entry)}`);
  }
  const name = `weight ${e.name}`;
  if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 31)) {
    throw fail(`${name}: shape must be a list of non-negative integers, got ${show(e.shape)}`);
  }
  if (e.dtype !== 'float32' && e.dtype !== 'int32') {
    throw fail(`${name}: dtype must be float32 or int32 (a CNN weight), got ${show(e.dtype)}`);
  }
  const q = e.quantization as Record<string, unknown> | undefined;
  if (q !== undefined) {
    if (typeof q !== 'object' || q === null || !(typeof q.dtype === 'string' && q.dtype in QUANTIZED)) {
      throw fail(`${name}: quantization dtype must be uint8, uint16 or float16, got ${show(q)}`);
    }
    if (q.dtype === 'float16' && e.dtype !== 'float32') {
      throw fail(`${name}: float16 quantization holds float32 weights only, not ${e.dtype}`);
    }
    if (q.dtype !== 'float16' && !(Number.isFinite(q.scale) && Number.isFinite(q.min))) {
      throw fail(`${name}: ${q.dtype} quantization needs finite numbers scale and min, got ${show(q)}`);
    }
  }
  return e as WeightSpec;
}

/**
 * A weights manifest (`weights_manifest.json`, or model.json's `weightsManifest`) from its text, bytes or
 * parsed JSON, checked: groups of `{ paths, weights }`, each weight `{ name, shape, dtype }` of float32 or
 * int32, quantized to uint8/uint16 (with `scale` and `min`) or float16 if at all, names unique. Anything
 * else throws a {@link WeightFormatError} that shows the entry.
 *
 * @example
 * ```ts
 * const manifest = parseWeightsManifest(await readFile('model/weights_manifest.json'));
 * ```
 */
export function parseWeightsManifest(source: string | Uint8Array | unknown): WeightsManifest {
  let json = source;
  if (typeof source === 'string' || source instanceof Uint8Array) {
    const text = typeof source === 'string' ? source : new TextDecoder().decode(source);
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw fail(`not JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  if (json !== null && typeof json === 'object' && 'weightsManifest' in json) {
    json = (json as { weightsManifest: unknown }).weightsManifest; // a model.json
  }
  if (!Array.isArray(json)) throw fail(`expected a list of { paths, weights } groups, got ${show(json)}`);
  const names = new Set<string>();
  return json.map((group: unknown, g) => {
    const { paths, weights } = (group ?? {}) as Partial<tf.io.WeightsManifestConfig[number]>;
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string' && p !== '')) {
      throw fail(`group ${g + 1}: paths must be a list of file names, got ${show(paths)}`);
    }
    if (!Array.isArray(weights)) throw fail(`group ${g + 1}: weights must be a list, got ${show(weights)}`);
    const specs = weights.map((w, i) => checkEntry(w, `group ${g + 1}, weight ${i + 1}`));
    for (const s of specs) {
      if (names.has(s.name)) throw fail(`weight ${s.name} is listed twice`);
      names.add(s.name);
    }
    return { paths: [...paths], weights: specs };
  });
}

/** Shard bytes by the path the manifest gives, or a function from that path to them. */
export type ShardSource =
  | ReadonlyMap<string, Uint8Array>
  | Readonly<Record<string, Uint8Array>>
  | ((path: string) => Uint8Array | undefined);

function shard(shards: ShardSource, path: string): Uint8Array {
  const bytes =
    typeof shards === 'function'
      ? shards(path)
      : shards instanceof Map
        ? shards.get(path)
        : Object.hasOwn(shards, path)
          ? (shards as Record<string, Uint8Array>)[path]
          : undefined;
  if (!(bytes instanceof Uint8Array)) throw fail(`the shard file ${path} is missing`);
  return bytes;
}

/**
 * Decodes every weight of a manifest from its shard files, as `tf.io.loadWeights` does: float32 and int32,
 * and weights quantized to uint8/uint16 (q·scale + min, rounded for int32) or float16, through
 * `@cnn/layers`' `decodeWeights`. A missing shard, or shards of a length other than the group's weights
 * take, throws a {@link WeightFormatError} naming them, before anything is allocated for the weights.
 *
 * @example
 * ```ts
 * const weights = decodeWeightsManifest(manifest, { 'group1-shard1of1.bin': bytes });
 * weights.get('conv1/kernel'); // { shape: [5, 5, 1, 32], dtype: 'float32', values: Float32Array(800) }
 * ```
 */
export function decodeWeightsManifest(manifest: WeightsManifest, shards: ShardSource): NamedWeights {
  const out: NamedWeights = new Map();
  for (const group of manifest) {
    const files = group.paths.map((p) => shard(shards, p));
    const source = group.paths.join(', ');
    const have = files.reduce((n, f) => n + f.byteLength, 0);
    const need = group.weights.reduce((n, s) => n + entryBytes(s), 0);
    if (have !== need) {
      throw fail(
        `${source}: ${group.weights.length} weights take ${need} bytes, the files hold ${have}: ` +
          `${have < need ? 'cut short' : 'not this manifest’s data'}`,
      );
    }
    let decoded: ReturnType<typeof decodeWeights>;
    try {
      decoded = decodeWeights(files, group.weights, source);
    } catch (error) {
      if (error instanceof WeightFormatError || !(error instanceof CnnError || error instanceof RangeError))
        throw error;
      throw fail(error.message, { cause: error });
    }
    for (const spec of group.weights) {
      const { values } = decoded.get(spec.name)!;
      out.set(spec.name, {
        shape: [...spec.shape],
        dtype: spec.dtype as 'float32' | 'int32',
        values: spec.dtype === 'int32' ? new Int32Array(values) : values,
      });
    }
  }
  return out;
}
