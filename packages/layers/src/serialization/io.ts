import { CnnError } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { files } from '#platform';
import { LayerError } from '../errors';
import type { Model } from '../model';
import {
  artifactsFromJSON,
  type LoadModelOptions,
  loadArtifacts,
  modelJSON,
  parseModelJSON,
  saveArtifacts,
} from './artifacts';
import { SHARD_BYTES, shardWeights } from './weights';

/** Options of {@link save}. */
export interface SaveOptions {
  /** The largest weight file, in bytes, for files. Default 4 MiB (tfjs'). */
  shardBytes?: number;
  /** Extra options of the POST request, for http(s) URLs (headers, credentials …). */
  requestInit?: RequestInit;
  /** The fetch to use for http(s) URLs. Default: the global one. */
  fetch?: typeof fetch;
}

/** Options of {@link load}. */
export interface LoadOptions extends LoadModelOptions {
  /** Extra options of the GET requests, for http(s) URLs. */
  requestInit?: RequestInit;
  /** The fetch to use for http(s) URLs. Default: the global one. */
  fetch?: typeof fetch;
}

const isHttp = (url: string) => /^https?:\/\//i.test(url);
const isPath = (url: string) => /^file:\/\//i.test(url) || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url);

/** A tfjs IOHandler registered for the URL's scheme (indexeddb://, localstorage:// …). */
function handlerFor(url: string, kind: 'save' | 'load'): tf.io.IOHandler {
  const handlers = kind === 'save' ? tf.io.getSaveHandlers(url) : tf.io.getLoadHandlers(url);
  if (handlers.length === 0) {
    throw new LayerError(
      `no way to ${kind} '${url}' here: expected a path or file:// URL (Node), indexeddb:// or localstorage:// ` +
        '(browser), an http(s):// URL, or a tf.io.IOHandler',
    );
  }
  return handlers[0]!;
}

/** An error as a LayerError naming what was being done; errors of ours pass as they are. */
function wrapped(error: unknown, what: string): Error {
  if (error instanceof CnnError) return error;
  return new LayerError(`${what}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

/**
 * Saves a model in the tfjs layers format (model.json and weight shards, Keras class and layer names):
 * - a path or `file://path/model.json` in Node (a path without `.json` is a directory): shards of at
 *   most 4 MiB, then model.json, each written to a temporary file and renamed into place, so that a crash
 *   or an error mid-save leaves the previous save loadable;
 * - `indexeddb://name` or `localstorage://name` in a browser (tfjs' handlers);
 * - an `http(s)://` URL: a multipart POST of model.json and the weights (tfjs' `tf.io.http`);
 * - any `tf.io.IOHandler`.
 *
 * @example
 * ```ts
 * await save(net, 'checkpoints/mnist');            // checkpoints/mnist/model.json + group1-shard1of1.bin
 * await save(net, 'indexeddb://mnist');            // in a browser
 * ```
 */
export async function save(
  model: Model,
  destination: string | tf.io.IOHandler,
  options: SaveOptions = {},
): Promise<tf.io.SaveResult> {
  const where = typeof destination === 'string' ? destination : 'the IOHandler';
  const artifacts = await saveArtifacts(model);
  try {
    if (typeof destination !== 'string') {
      const handler = destination.save?.bind(destination);
      if (!handler) throw new LayerError('this IOHandler cannot save (it has no save method)');
      return await handler(artifacts);
    }
    if (isHttp(destination)) {
      const http = tf.io.http(destination, { requestInit: options.requestInit, fetchFunc: options.fetch });
      return await http.save!(artifacts);
    }
    if (isPath(destination)) {
      const path = files.modelPath(destination);
      const { shards } = shardWeights(
        artifacts.weightSpecs!,
        artifacts.weightData as ArrayBuffer,
        options.shardBytes ?? SHARD_BYTES,
      );
      await files.writeModel(path, shards, (paths) => JSON.stringify(modelJSON(artifacts, paths)));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }
    return await handlerFor(destination, 'save').save!(artifacts);
  } catch (error) {
    throw wrapped(error, `could not save ${model.name} to ${where}`);
  }
}

/**
 * Loads a model saved in the tfjs layers format, by this package, tfjs-layers or tensorflowjs_converter
 * (Keras models whose layers exist here): from a path or `file://` URL (files in Node; in a browser, a
 * URL relative to the page), `indexeddb://` or `localstorage://` in a browser, an `http(s)://` URL of
 * model.json (its shards fetched relative to it), or any `tf.io.IOHandler`. Broken or truncated files,
 * and weights that do not fit, throw a LayerError.
 *
 * @example
 * ```ts
 * const net = await load('checkpoints/mnist/model.json');
 * const remote = await load('https://example.com/models/mnist/model.json');
 * ```
 */
export async function load(source: string | tf.io.IOHandler, options: LoadOptions = {}): Promise<Model> {
  const where = typeof source === 'string' ? source : 'the IOHandler';
  let artifacts: tf.io.ModelArtifacts;
  try {
    if (typeof source !== 'string') {
      if (!source.load) throw new LayerError('this IOHandler cannot load (it has no load method)');
      artifacts = await source.load();
    } else if (isHttp(source)) {
      artifacts = await loadHttp(source, options);
    } else if (isPath(source)) {
      const path = files.modelPath(source);
      const text = new TextDecoder().decode(await files.read(path));
      artifacts = await artifactsFromJSON(
        parseModelJSON(text, path),
        (p) => files.read(files.resolve(path, p)),
        path,
      );
    } else {
      artifacts = await handlerFor(source, 'load').load!();
    }
  } catch (error) {
    throw wrapped(error, `could not load ${where}`);
  }
  return loadArtifacts(artifacts, options);
}

/** model.json by GET, then each weight file by GET relative to it. */
async function loadHttp(url: string, options: LoadOptions): Promise<tf.io.ModelArtifacts> {
  const get = async (target: string): Promise<Response> => {
    const response = await (options.fetch ?? fetch)(target, options.requestInit);
    if (!response.ok)
      throw new LayerError(`GET ${target} failed: HTTP ${response.status} ${response.statusText}`.trim());
    return response;
  };
  const json = parseModelJSON(await (await get(url)).text(), url);
  return artifactsFromJSON(
    json,
    async (path) => new Uint8Array(await (await get(new URL(path, url).href)).arrayBuffer()),
    url,
  );
}
