import { CnnError } from '@cnn/core';
import { LayerError } from '../errors';
import type { Layer } from '../layer';
import { InputLayer, Model, Sequential } from '../model';
import type { Shape } from '../shape';
import { SymbolicTensor } from '../symbolic';
import { describe, type KerasObject } from './keras';
import { layerFromKeras, layerToKeras } from './registry';

/** A reference to one output of one application of a layer: `[layer name, node index, tensor index]`. */
export type TensorRef = [string, number, number];

/** One layer of a model in the layers format; functional models add its name and the inputs of each use. */
export interface LayerEntry extends KerasObject {
  name?: string;
  /** One list per use of the layer: `[[inbound layer, node index, tensor index, kwargs], …]`. */
  inbound_nodes?: unknown[];
}

/** A model's architecture in the layers format (`modelTopology` of model.json), Keras 2 style. */
export interface ModelTopology {
  class_name: string;
  config: {
    name: string;
    layers: LayerEntry[];
    input_layers?: TensorRef[];
    output_layers?: TensorRef[];
  };
  keras_version?: string;
  backend?: string;
}

/**
 * What `keras_version` and `generatedBy` say in the files this package writes.
 *
 * @example
 * ```ts
 * toJSON(net).keras_version === GENERATED_BY; // true
 * ```
 */
export const GENERATED_BY = '@cnn/layers';

/** A layer's uses in the model in the order they were made: `name`, then `name:1`, `name:2` … */
function usesOf(model: Model): Map<Layer, SymbolicTensor[]> {
  const uses = new Map<Layer, SymbolicTensor[]>();
  for (const node of model.nodes) uses.set(node.layer, [...(uses.get(node.layer) ?? []), node]);
  const order = (node: SymbolicTensor) =>
    node.name === node.layer.name ? 0 : Number(node.name.slice(node.layer.name.length + 1));
  for (const list of uses.values()) list.sort((a, b) => order(a) - order(b));
  return uses;
}

/**
 * A model's architecture as the `modelTopology` of a tfjs layers-format model.json, as tfjs-layers 4.22
 * writes it: a Sequential as its list of layers (the first with `batch_input_shape`), any other model as
 * class `Model` with each layer's `inbound_nodes` (one per use: a shared layer has several) and the
 * `input_layers` and `output_layers`. A layer configured with a function (an activation or initialiser
 * of one's own) cannot be written: a LayerError names it and the option.
 *
 * @example
 * ```ts
 * const topology = toJSON(net);   // { class_name: 'Sequential', config: { name, layers: [...] }, … }
 * ```
 */
export function toJSON(model: Model): ModelTopology {
  const meta = { keras_version: GENERATED_BY, backend: 'tensor_flow.js' };
  // A Sequential that applies a layer twice does not fit the list form; the graph form holds it.
  if (model.className === 'Sequential' && model.nodes.length === model.layers.length) {
    const [inputLayer, ...layers] = model.layers as [InputLayer, ...Layer[]];
    const entries = layers.map(layerToKeras);
    Object.assign(entries[0]!.config, {
      batch_input_shape: [...inputLayer.batchInputShape],
      dtype: 'float32',
    });
    return { class_name: 'Sequential', config: { name: model.name, layers: entries }, ...meta };
  }
  const uses = usesOf(model);
  const ref = (node: SymbolicTensor): TensorRef => [node.layer.name, uses.get(node.layer)!.indexOf(node), 0];
  const layers: LayerEntry[] = model.layers.map((layer) => {
    const { class_name, config } = layerToKeras(layer);
    const nodes = layer instanceof InputLayer ? [] : uses.get(layer)!;
    return {
      name: layer.name,
      class_name,
      config,
      inbound_nodes: nodes.map((node) => node.inputs.map((input) => [...ref(input), {}])),
    };
  });
  return {
    class_name: 'Model',
    config: {
      name: model.name,
      layers,
      input_layers: model.inputs.map(ref),
      output_layers: model.outputs.map(ref),
    },
    ...meta,
  };
}

/**
 * A model from the `modelTopology` of a layers-format model.json: written by this package, by tfjs-layers
 * or by Keras 2 (`model_config` wrappers, old list-form Sequentials and Keras 3's node format are read
 * too). Its weights are freshly initialised; `loadArtifacts` and `load` also assign the saved ones.
 * Anything malformed or unsupported throws a LayerError naming the layer.
 *
 * @example
 * ```ts
 * const twin = fromJSON(toJSON(net));   // same architecture, new weights
 * ```
 */
export function fromJSON(topology: unknown): Model {
  const made: Layer[] = [];
  try {
    return build(unwrap(topology), made);
  } catch (error) {
    // Layers built before the failure hold weights: free them.
    for (const layer of made) layer.dispose();
    if (error instanceof CnnError) throw error;
    throw new LayerError(`not a layers-format model topology: ${(error as Error).message}`, { cause: error });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The `{ class_name, config }` of the model, out of model.json's or Keras' wrappers. */
function unwrap(topology: unknown): { class_name: string; config: unknown } {
  let t = topology;
  if (isObject(t) && 'modelTopology' in t) t = t.modelTopology;
  if (isObject(t) && 'model_config' in t) t = t.model_config;
  if (!isObject(t) || typeof t.class_name !== 'string') {
    throw new LayerError(
      `not a layers-format model topology: expected { class_name, config }, got ${describe(t)}`,
    );
  }
  return { class_name: t.class_name, config: t.config };
}

function build({ class_name, config }: { class_name: string; config: unknown }, made: Layer[]): Model {
  const make = (entry: LayerEntry) => {
    const layer = layerFromKeras(entry);
    made.push(layer);
    return layer;
  };
  if (class_name === 'Sequential') {
    // Keras before 2.2.3 wrote a Sequential's config as the bare list of layers.
    const c = Array.isArray(config) ? { layers: config } : (config as Record<string, unknown>);
    return sequential(entries(c.layers), typeof c.name === 'string' ? c.name : undefined, make);
  }
  if (class_name === 'Model' || class_name === 'Functional') {
    return functional(config as Record<string, unknown>, make);
  }
  throw new LayerError(
    `cannot load a model of class ${class_name}: expected Sequential, Model or Functional`,
  );
}

function entries(value: unknown): LayerEntry[] {
  if (!Array.isArray(value) || !value.every((e) => isObject(e) && typeof e.class_name === 'string')) {
    throw new LayerError(`a model's layers must be a list of { class_name, config }, got ${describe(value)}`);
  }
  return value.map((e) => ({ ...e, config: isObject(e.config) ? e.config : {} }) as LayerEntry);
}

/** The batch input shape a Sequential's first layer (or its InputLayer) declares. */
function declaredShape(config: Record<string, unknown>): Shape | undefined {
  const shape = config.batch_input_shape ?? config.batch_shape ?? config.batchInputShape;
  if (Array.isArray(shape)) return shape as Shape;
  const inner = config.input_shape ?? config.inputShape;
  if (Array.isArray(inner)) return [null, ...(inner as Shape)];
  if (typeof config.input_dim === 'number') return [null, config.input_dim];
  return undefined;
}

function sequential(list: LayerEntry[], name: string | undefined, make: (e: LayerEntry) => Layer): Model {
  const first = list[0];
  const shape = first && declaredShape(first.config);
  if (!first || !shape) {
    throw new LayerError(
      `Sequential ${name ?? ''}: its first layer must give batch_input_shape`.replace('  ', ' '),
    );
  }
  const layers = (first.class_name === 'InputLayer' ? list.slice(1) : list).map(make);
  return new Sequential(layers, { name, inputShape: shape.slice(1) as number[] });
}

/** The tensors a node (one use of a layer) takes, in Keras 2's list form or Keras 3's `{ args }` form. */
function nodeInputs(node: unknown, layer: string): TensorRef[] {
  if (Array.isArray(node)) {
    return node.map((ref) => {
      if (!Array.isArray(ref) || typeof ref[0] !== 'string') {
        throw new LayerError(
          `${layer}: an inbound node is not [layer, node, tensor, kwargs]: ${describe(ref)}`,
        );
      }
      return [ref[0], Number(ref[1] ?? 0), Number(ref[2] ?? 0)];
    });
  }
  const refs: TensorRef[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (isObject(v) && isObject(v.config) && Array.isArray(v.config.keras_history)) {
      const [l, n, t] = v.config.keras_history as [string, number, number];
      refs.push([l, n, t]);
    }
  };
  if (isObject(node)) visit(node.args);
  if (refs.length === 0) throw new LayerError(`${layer}: cannot read its inbound node ${describe(node)}`);
  return refs;
}

function functional(config: Record<string, unknown>, make: (e: LayerEntry) => Layer): Model {
  const list = entries(config.layers);
  const layers = new Map<string, { layer: Layer; nodes: TensorRef[][] }>();
  const made = new Map<string, SymbolicTensor[]>();
  for (const entry of list) {
    const layer = make(entry);
    const name = entry.name ?? layer.name;
    if (layers.has(name)) throw new LayerError(`two layers are named '${name}'; names must be unique`);
    const nodes = Array.isArray(entry.inbound_nodes) ? entry.inbound_nodes : [];
    layers.set(name, { layer, nodes: nodes.map((n) => nodeInputs(n, name)) });
    made.set(
      name,
      layer instanceof InputLayer ? [new SymbolicTensor(layer, [], layer.batchInputShape, layer.name)] : [],
    );
  }
  const find = ([name, node, tensor]: TensorRef): SymbolicTensor | undefined => {
    if (tensor !== 0) throw new LayerError(`${name} has one output; tensor index ${tensor} was asked for`);
    if (!layers.has(name))
      throw new LayerError(`a node refers to a layer '${name}' that is not in the model`);
    return made.get(name)![node];
  };
  // Each layer's uses in their order, each once all its inputs exist: a few passes over the layers.
  for (let progress = true; progress; ) {
    progress = false;
    for (const [name, { layer, nodes }] of layers) {
      const done = made.get(name)!;
      while (!(layer instanceof InputLayer) && done.length < nodes.length) {
        const inputs = nodes[done.length]!.map(find);
        if (inputs.some((x) => x === undefined)) break;
        done.push(layer.apply(inputs as SymbolicTensor[]));
        progress = true;
      }
    }
  }
  for (const [name, { layer, nodes }] of layers) {
    const done = made.get(name)!.length;
    if (!(layer instanceof InputLayer) && done < nodes.length) {
      const missing = nodes[done]!.filter((r) => find(r) === undefined).map((r) => `${r[0]}[${r[1]}]`);
      throw new LayerError(`${name}: its node ${done} waits for ${missing.join(', ')}, which no layer makes`);
    }
  }
  const refs = (key: string) => {
    const value = config[key];
    if (!Array.isArray(value) || value.length === 0) throw new LayerError(`the model config has no ${key}`);
    // Keras writes one model input or output as the bare [name, node, tensor].
    const list = typeof value[0] === 'string' ? [value] : value;
    return list.map((r) => {
      const node = find(nodeInputs([r], key)[0]!);
      if (!node) throw new LayerError(`${key}: ${describe(r)} names no node of the model`);
      return node;
    });
  };
  return new Model({
    name: typeof config.name === 'string' ? config.name : undefined,
    inputs: refs('input_layers'),
    outputs: refs('output_layers'),
  });
}
