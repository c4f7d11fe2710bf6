import { CnnError } from '@cnn/core';
import type * as tf from '@tensorflow/tfjs-core';
import { LayerError } from '../errors';
import type { Model } from '../model';
import { describe } from './keras';
import { fromJSON, GENERATED_BY, toJSON } from './topology';
import {
  assignWeights,
  checkWeightBytes,
  concatBytes,
  decodeWeights,
  encodeWeights,
  type WeightSpec,
} from './weights';

/** Options of {@link loadArtifacts} and `load`. */
export interface LoadModelOptions {
  /** Throw when saved model weights match no weight of the model. Default true (as tfjs-layers). */
  strict?: boolean;
}

/**
 * A model as `tf.io.ModelArtifacts` in the layers format: its topology (see `toJSON`), one spec per
 * weight and the weights' float32 values in one buffer. What any tfjs `IOHandler` saves, and what
 * tfjs-layers' `loadLayersModel(tf.io.fromMemory(artifacts))` loads.
 *
 * @example
 * ```ts
 * const artifacts = await saveArtifacts(net);
 * const twin = loadArtifacts(artifacts);   // same predictions, bit for bit
 * ```
 */
export async function saveArtifacts(model: Model): Promise<tf.io.ModelArtifacts> {
  const modelTopology = toJSON(model); // first: a layer that cannot be saved throws before any read-back
  const { specs, data } = await encodeWeights(model);
  return {
    modelTopology,
    format: 'layers-model',
    generatedBy: GENERATED_BY,
    convertedBy: null,
    weightSpecs: specs,
    weightData: data,
  };
}

/**
 * A model from layers-format artifacts (ours, tfjs-layers', or a Keras model converted by
 * tensorflowjs_converter), with the saved weights assigned bit for bit (dequantized if quantized). Without
 * weight data the weights are freshly initialised. A missing or misshapen weight, data cut short, or a
 * topology that does not parse throws a LayerError; the half-made model is disposed.
 *
 * @example
 * ```ts
 * const net = loadArtifacts(await tf.io.browserFiles([json, ...shards]).load());
 * ```
 */
export function loadArtifacts(artifacts: tf.io.ModelArtifacts, options: LoadModelOptions = {}): Model {
  if (typeof artifacts !== 'object' || artifacts === null) {
    throw new LayerError(`expected model artifacts, got ${describe(artifacts)}`);
  }
  if (artifacts.format === 'graph-model') {
    throw new LayerError('these artifacts hold a graph model (a converted SavedModel), not a layers model');
  }
  if (artifacts.modelTopology instanceof ArrayBuffer || artifacts.modelTopology === undefined) {
    throw new LayerError('these artifacts hold no layers-format modelTopology');
  }
  const model = fromJSON(artifacts.modelTopology);
  try {
    if (artifacts.weightData !== undefined) {
      if (!Array.isArray(artifacts.weightSpecs)) {
        throw new LayerError('the artifacts hold weight data but no weightSpecs to read it by');
      }
      assignWeights(model, decodeWeights(artifacts.weightData, checkSpecs(artifacts.weightSpecs)), options);
    } else if (artifacts.weightSpecs?.length) {
      throw new LayerError(
        `the artifacts list ${artifacts.weightSpecs.length} weights but hold no weight data`,
      );
    }
  } catch (error) {
    model.dispose();
    if (error instanceof CnnError) throw error;
    throw new LayerError(`cannot read the weights: ${(error as Error).message}`, { cause: error });
  }
  return model;
}

/**
 * Weight specs checked for the fields decoding relies on (name, shape of non-negative integers, dtype);
 * anything else throws a LayerError showing the entry.
 *
 * @example
 * ```ts
 * const specs = checkSpecs(json.weightsManifest[0].weights);
 * ```
 */
export function checkSpecs(specs: unknown): WeightSpec[] {
  if (!Array.isArray(specs)) throw new LayerError(`weight specs must be a list, got ${describe(specs)}`);
  for (const s of specs) {
    const ok =
      typeof s === 'object' &&
      s !== null &&
      typeof s.name === 'string' &&
      Array.isArray(s.shape) &&
      s.shape.every((d: unknown) => Number.isInteger(d) && (d as number) >= 0) &&
      typeof s.dtype === 'string';
    if (!ok) throw new LayerError(`not a weight spec { name, shape, dtype }: ${describe(s)}`);
  }
  return specs as WeightSpec[];
}

/**
 * model.json's content for artifacts whose weights are stored in files at `paths` (one group).
 *
 * @example
 * ```ts
 * const json = modelJSON(artifacts, ['group1-shard1of1.bin']);
 * ```
 */
export function modelJSON(artifacts: tf.io.ModelArtifacts, paths: readonly string[]): tf.io.ModelJSON {
  return {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? GENERATED_BY,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [...paths], weights: artifacts.weightSpecs ?? [] }],
  };
}

/**
 * model.json's text parsed and checked: `{ modelTopology, weightsManifest: [{ paths, weights }] }`. Text that
 * is not JSON, or JSON of another shape, throws a LayerError naming `source`.
 *
 * @example
 * ```ts
 * const json = parseModelJSON(await readFile('model.json', 'utf8'), 'model.json');
 * ```
 */
export function parseModelJSON(text: string, source: string): tf.io.ModelJSON {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new LayerError(`${source} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const j = json as Partial<tf.io.ModelJSON> | null;
  if (
    typeof j !== 'object' ||
    j === null ||
    typeof j.modelTopology !== 'object' ||
    j.modelTopology === null
  ) {
    throw new LayerError(`${source} is not a layers-format model.json: it has no modelTopology`);
  }
  const manifest = j.weightsManifest ?? [];
  if (
    !Array.isArray(manifest) ||
    !manifest.every((g) => Array.isArray(g?.paths) && Array.isArray(g?.weights))
  ) {
    throw new LayerError(`${source}: weightsManifest must be a list of { paths, weights }`);
  }
  for (const group of manifest) {
    checkSpecs(group.weights);
    if (!group.paths.every((p: unknown) => typeof p === 'string' && p.length > 0)) {
      throw new LayerError(
        `${source}: weightsManifest paths must be file names, got ${describe(group.paths)}`,
      );
    }
  }
  return { ...(j as tf.io.ModelJSON), weightsManifest: manifest };
}

/**
 * Artifacts from a parsed model.json and a reader of its weight files (paths as the manifest gives
 * them). Each group's files are checked against its weights: a missing file or one of the wrong length
 * throws a LayerError naming it.
 *
 * @example
 * ```ts
 * const artifacts = await artifactsFromJSON(json, (path) => readFile(join(dir, path)), dir);
 * ```
 */
export async function artifactsFromJSON(
  json: tf.io.ModelJSON,
  read: (path: string) => Promise<Uint8Array>,
  source: string,
): Promise<tf.io.ModelArtifacts> {
  const groups = await Promise.all(
    json.weightsManifest.map(async (group) => {
      const files = await Promise.all(group.paths.map(read));
      // Checked group by group, to name the right files when one is cut short.
      const bytes = files.reduce((n, f) => n + f.byteLength, 0);
      checkWeightBytes(bytes, group.weights, `${source}: ${group.paths.join(', ')}`);
      return files;
    }),
  );
  const weightData = concatBytes(groups.flat());
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    trainingConfig: json.trainingConfig,
    userDefinedMetadata: json.userDefinedMetadata,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    // A buffer of its own: a file's bytes may be a view into a shared pool.
    weightData:
      weightData.byteOffset === 0 && weightData.byteLength === weightData.buffer.byteLength
        ? (weightData.buffer as ArrayBuffer)
        : weightData.slice().buffer,
  };
}
