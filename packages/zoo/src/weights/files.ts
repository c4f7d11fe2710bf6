import { CnnError } from '@cnn/core';
import { decodeWeightsManifest, parseWeightsManifest, type WeightsManifest } from './manifest';
import { type EncodeManifestOptions, encodeWeightsManifest } from './manifest_write';
import type { NamedWeights } from './named';
import { encodeSafetensors, parseSafetensors, type SafeTensorInput, type Safetensors } from './safetensors';

/** Options of the loaders: for http(s) URLs, the fetch to use and its request options. */
export interface FetchOptions {
  fetch?: typeof fetch;
  requestInit?: RequestInit;
}

/** A read or write of a file or URL that failed; `location` is the path or URL. */
export class WeightSourceError extends CnnError {
  constructor(
    message: string,
    readonly location: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const isHttp = (location: string) => /^https?:\/\//i.test(location);

// node:fs is imported when a path is read, not before: the module stays loadable in a browser, where
// only URLs are fetched.
const nodeFs = () => import('node:fs/promises');
const nodePath = () => import('node:path');

async function toPath(location: string): Promise<string> {
  if (!/^file:/i.test(location)) return location;
  const { fileURLToPath } = await import('node:url');
  return fileURLToPath(location);
}

/**
 * A file's bytes from a path or `file:` URL (Node) or an http(s) URL (fetched); a failure throws a
 * {@link WeightSourceError} naming the location.
 *
 * @example
 * ```ts
 * const bytes = await readBytes('https://example.com/resnet18.safetensors');
 * ```
 */
export async function readBytes(location: string, options: FetchOptions = {}): Promise<Uint8Array> {
  try {
    if (isHttp(location)) {
      const response = await (options.fetch ?? fetch)(location, options.requestInit);
      if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
      return new Uint8Array(await response.arrayBuffer());
    }
    const { readFile } = await nodeFs();
    const buffer = await readFile(await toPath(location));
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw new WeightSourceError(`cannot read ${location}: ${(error as Error).message}`, location, {
      cause: error,
    });
  }
}

/** A shard path as the manifest lists it, refused if it would leave the manifest's directory. */
function relative(path: string, manifest: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('/') || path.split(/[\\/]/).includes('..')) {
    throw new WeightSourceError(`${manifest} lists the shard ${path}, outside its directory`, manifest);
  }
  return path;
}

/**
 * Reads a tfjs weights manifest and all its shards, from a path (`model/weights_manifest.json`, or a
 * directory holding one), a `file:` URL, or an http(s) URL (shards fetched relative to it), and decodes
 * every weight (see {@link decodeWeightsManifest}). A model.json's `weightsManifest` reads too.
 *
 * @example
 * ```ts
 * const weights = await loadWeightsManifest('node_modules/@vladmandic/face-api/model/age_gender_model-weights_manifest.json');
 * ```
 */
export async function loadWeightsManifest(
  location: string,
  options: FetchOptions = {},
): Promise<NamedWeights> {
  const file =
    isHttp(location) || /\.json$/i.test(location)
      ? location
      : `${location.replace(/\/?$/, '/')}weights_manifest.json`;
  const manifest = parseWeightsManifest(await readBytes(file, options));
  const paths = manifest.flatMap((g) => g.paths.map((p) => relative(p, file)));
  const resolve = isHttp(file)
    ? (p: string) => new URL(p, file).href
    : await (async () => {
        const { dirname, join } = await nodePath();
        const dir = dirname(await toPath(file));
        return (p: string) => join(dir, p);
      })();
  const shards = new Map(
    await Promise.all(paths.map(async (p) => [p, await readBytes(resolve(p), options)] as const)),
  );
  return decodeWeightsManifest(manifest, shards);
}

/**
 * Writes weights as `weights_manifest.json` and its shards into a directory (Node; made if missing),
 * quantized if asked (see {@link encodeWeightsManifest}). Returns the manifest written.
 *
 * @example
 * ```ts
 * await writeWeightsManifest('out/weights', await modelWeights(net), { quantize: 'float16' });
 * ```
 */
export async function writeWeightsManifest(
  dir: string,
  weights: NamedWeights,
  options: EncodeManifestOptions = {},
): Promise<WeightsManifest> {
  const { manifest, shards } = encodeWeightsManifest(weights, options);
  const { mkdir, writeFile } = await nodeFs();
  const { join } = await nodePath();
  try {
    await mkdir(dir, { recursive: true });
    const paths = manifest[0]!.paths;
    await Promise.all(shards.map((s, i) => writeFile(join(dir, paths[i]!), s)));
    await writeFile(join(dir, 'weights_manifest.json'), JSON.stringify(manifest));
  } catch (error) {
    throw new WeightSourceError(`cannot write weights to ${dir}: ${(error as Error).message}`, dir, {
      cause: error,
    });
  }
  return manifest;
}

/**
 * Reads and parses a safetensors file from a path, `file:` URL or http(s) URL (see {@link parseSafetensors}).
 *
 * @example
 * ```ts
 * loadTorchWeights(net, await loadSafetensors('resnet18.safetensors'), resnetTorchNames([2, 2, 2, 2]));
 * ```
 */
export async function loadSafetensors(location: string, options: FetchOptions = {}): Promise<Safetensors> {
  return parseSafetensors(await readBytes(location, options));
}

/**
 * Writes tensors as a safetensors file (Node; see {@link encodeSafetensors}).
 *
 * @example
 * ```ts
 * await writeSafetensors('tiny.safetensors', { 'fc.weight': { shape: [2, 3], values: w } }, { format: 'pt' });
 * ```
 */
export async function writeSafetensors(
  path: string,
  tensors: Readonly<Record<string, SafeTensorInput>> | ReadonlyMap<string, SafeTensorInput>,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  const bytes = encodeSafetensors(tensors, metadata);
  const { writeFile } = await nodeFs();
  try {
    await writeFile(await toPath(path), bytes);
  } catch (error) {
    throw new WeightSourceError(`cannot write ${path}: ${(error as Error).message}`, path, { cause: error });
  }
}
