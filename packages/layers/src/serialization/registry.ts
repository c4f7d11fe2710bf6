import { LayerError } from '../errors';
import type { Layer } from '../layer';
import type { ActivationConfig } from '../layers/activation';
import { Activation, ELU, LeakyReLU, ReLU, Softmax } from '../layers/activation';
import { BatchNormalization } from '../layers/batch_normalization';
import { Conv2D, type Conv2DConfig } from '../layers/conv2d';
import { Dense, type DenseConfig } from '../layers/dense';
import { DropPath, StochasticDepth } from '../layers/drop_path';
import { Dropout, type DropoutConfig } from '../layers/dropout';
import { FractionalMaxPooling2D } from '../layers/fractional_max_pooling';
import { LocalResponseNormalization } from '../layers/lrn';
import { Maxout, type MaxoutConfig } from '../layers/maxout';
import { Add, Average, Concatenate } from '../layers/merge';
import {
  AveragePooling2D,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  MaxPooling2D,
} from '../layers/pooling';
import { Flatten, Reshape, type ReshapeConfig, ZeroPadding2D } from '../layers/reshape';
import { InputLayer } from '../model';
import type { Shape } from '../shape';
import {
  activationFromKeras,
  activationToKeras,
  camelCase,
  describe,
  initializerFromKeras,
  initializerToKeras,
  type KerasObject,
  regularizerFromKeras,
  regularizerToKeras,
  snakeCase,
  type Where,
} from './keras';

/** Makes a layer from its options: camelCase keys, Keras objects already turned into ours. */
export type LayerFactory = (config: Record<string, unknown>) => Layer;

// biome-ignore lint/suspicious/noExplicitAny: each factory passes the options its class's constructor takes.
type AnyConfig = any;

const factories = new Map<string, LayerFactory>();

/**
 * Teaches loading a layer class by its Keras class name (a layer of one's own, or a Keras layer mapped
 * onto ours). Saving writes `layer.className` and `layer.getConfig()`, so a class saves once registered.
 *
 * @example
 * ```ts
 * registerLayer('Scale', (config) => new Scale(config as ScaleConfig));
 * ```
 */
export function registerLayer(className: string, factory: LayerFactory): void {
  factories.set(className, factory);
}

/**
 * The Keras class names that load, sorted.
 *
 * @example
 * ```ts
 * registeredLayers().includes('Conv2D'); // true
 * ```
 */
export function registeredLayers(): string[] {
  return [...factories.keys()].sort();
}

const cls =
  <C>(make: new (config: C) => Layer): LayerFactory =>
  (config) =>
    new make(config as AnyConfig);

for (const [name, make] of Object.entries({
  Conv2D: cls<Conv2DConfig>(Conv2D),
  Dense: cls<DenseConfig>(Dense),
  MaxPooling2D: cls(MaxPooling2D),
  AveragePooling2D: cls(AveragePooling2D),
  GlobalAveragePooling2D: cls(GlobalAveragePooling2D),
  GlobalMaxPooling2D: cls(GlobalMaxPooling2D),
  FractionalMaxPooling2D: cls(FractionalMaxPooling2D),
  Flatten: cls(Flatten),
  Reshape: (c: AnyConfig) =>
    // tfjs-layers writes the inferred axis as null, Keras as -1.
    new Reshape({
      ...c,
      targetShape: (c.targetShape as (number | null)[]).map((d) => d ?? -1),
    } as ReshapeConfig),
  ZeroPadding2D: cls(ZeroPadding2D),
  Dropout: cls<DropoutConfig>(Dropout),
  SpatialDropout2D: (c: AnyConfig) => new Dropout({ ...c, noiseShape: [null, 1, 1, null] }),
  // Keras 2 writes a built layer's axis as a list: [3].
  BatchNormalization: (c: AnyConfig) =>
    new BatchNormalization({ ...c, axis: Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : c.axis }),
  LocalResponseNormalization: cls(LocalResponseNormalization),
  Activation: cls<ActivationConfig>(Activation),
  ReLU: cls(ReLU),
  LeakyReLU: cls(LeakyReLU),
  ELU: cls(ELU),
  Softmax: cls(Softmax),
  Maxout: cls<MaxoutConfig>(Maxout),
  Add: cls(Add),
  Average: cls(Average),
  Concatenate: cls(Concatenate),
  DropPath: cls(DropPath),
  StochasticDepth: cls(StochasticDepth),
  InputLayer: (c: AnyConfig) => {
    const shape = c.batchInputShape;
    if (!Array.isArray(shape)) {
      throw new LayerError(`${c.name}: an InputLayer needs batch_input_shape, got ${describe(shape)}`);
    }
    return new InputLayer(shape as Shape, { name: c.name });
  },
})) {
  registerLayer(name, make);
}
// Keras' other spellings of the same classes.
for (const [alias, name] of [
  ['Convolution2D', 'Conv2D'],
  ['MaxPool2D', 'MaxPooling2D'],
  ['AvgPool2D', 'AveragePooling2D'],
  ['GlobalAvgPool2D', 'GlobalAveragePooling2D'],
  ['GlobalMaxPool2D', 'GlobalMaxPooling2D'],
] as const) {
  registerLayer(alias, factories.get(name)!);
}

/** Keras 3's names of options Keras 2 and tfjs-layers name otherwise. */
const aliases: Record<string, Record<string, string>> = {
  InputLayer: { batchShape: 'batchInputShape' },
  LeakyReLU: { negativeSlope: 'alpha' },
};

/** Keys Keras and tfjs-layers write besides a layer's own options, as they write them by default. */
const written: Record<string, Record<string, unknown>> = {
  InputLayer: { dtype: 'float32', sparse: false },
  Conv2D: {
    data_format: 'channels_last',
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
  },
  Dense: { activity_regularizer: null, kernel_constraint: null, bias_constraint: null },
  MaxPooling2D: { data_format: 'channels_last' },
  AveragePooling2D: { data_format: 'channels_last' },
  GlobalAveragePooling2D: { data_format: 'channels_last' },
  GlobalMaxPooling2D: { data_format: 'channels_last' },
  ZeroPadding2D: { data_format: 'channels_last' },
  BatchNormalization: { beta_constraint: null, gamma_constraint: null },
  Dropout: { seed: null },
};

/**
 * Keras options that have no counterpart here, and the values at which that does not matter: they are
 * dropped on reading. Others throw. Constraints and activity regularizers only act in training, so they
 * are dropped whatever they are (and not written back).
 */
const harmless: Record<string, (value: unknown) => boolean> = {
  dataFormat: (v) => v === 'channels_last' || v === 'channelsLast',
  dtype: () => true,
  sparse: (v) => v === false,
  ragged: (v) => v === false,
  seed: () => true,
  keepdims: (v) => v === false,
  synchronized: () => true,
  fused: () => true,
  renorm: (v) => v === false,
  renormClipping: () => true,
  renormMomentum: () => true,
  negativeSlope: (v) => v === 0,
  threshold: (v) => v === 0,
  activityRegularizer: () => true,
  kernelConstraint: () => true,
  biasConstraint: () => true,
  betaConstraint: () => true,
  gammaConstraint: () => true,
  batchInputShape: () => true,
  batchShape: () => true,
  inputShape: () => true,
  inputDim: () => true,
  batchSize: () => true,
};

/** One option's value in Keras' form: initialisers, regularizers and activations as Keras writes them. */
function valueToKeras(key: string, value: unknown, where: Where): unknown {
  if (key.endsWith('Initializer')) return initializerToKeras(value, where);
  if (key.endsWith('Regularizer')) return regularizerToKeras(value, where);
  if (key === 'activation') return activationToKeras(value, where);
  if (typeof value === 'function') {
    throw new LayerError(
      `${where.layer}: cannot save ${key} = ${describe(value)}: a function has no saved form`,
    );
  }
  if (value === undefined) return null;
  return structuredClone(value);
}

/**
 * A layer as the layers format writes it: `{ class_name, config }` with Keras' snake_case keys and
 * objects. A layer whose class is not registered, or that was given a function, throws a LayerError.
 *
 * @example
 * ```ts
 * layerToKeras(new Dense({ units: 10, name: 'fc' })); // { class_name: 'Dense', config: { units: 10, … } }
 * ```
 */
export function layerToKeras(layer: Layer): KerasObject {
  if (!factories.has(layer.className)) {
    const nested = layer.className === 'Functional' || layer.className === 'Sequential';
    throw new LayerError(
      nested
        ? `${layer.name}: a model nested in a model cannot be saved yet; save it apart`
        : `${layer.name}: its class ${layer.className} cannot be saved: register it with registerLayer`,
    );
  }
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(layer.getConfig())) {
    config[snakeCase(key)] = valueToKeras(key, value, { layer: layer.name, option: key });
  }
  // Keras' InputLayer takes no `trainable` (it would refuse the config).
  if (layer.className === 'InputLayer') delete config.trainable;
  return { class_name: layer.className, config: { ...config, ...structuredClone(written[layer.className]) } };
}

/** One Keras option's value as ours: null is "not set", Keras objects become ours. */
function valueFromKeras(key: string, value: unknown, where: Where): unknown {
  if (value === null) return undefined;
  if (key.endsWith('Initializer')) return initializerFromKeras(value, where);
  if (key.endsWith('Regularizer') && key !== 'activityRegularizer') return regularizerFromKeras(value, where);
  if (key === 'activation') return activationFromKeras(value, where);
  return value;
}

/**
 * A layer from its entry in the layers format (Keras' snake_case or tfjs' camelCase keys). Unknown
 * classes, and options that would change what the layer computes but have no counterpart here, throw a
 * LayerError naming the layer.
 *
 * @example
 * ```ts
 * const fc = layerFromKeras({ class_name: 'Dense', config: { units: 10, name: 'fc' } });
 * ```
 */
export function layerFromKeras(entry: KerasObject): Layer {
  const name = typeof entry.config.name === 'string' ? entry.config.name : undefined;
  const label = name ? `${name} (${entry.class_name})` : entry.class_name;
  const factory = factories.get(entry.class_name);
  if (!factory) {
    throw new LayerError(
      `${label}: no layer of class ${entry.class_name} here; known: ${registeredLayers().join(', ')} ` +
        '(registerLayer adds one)',
    );
  }
  const config: Record<string, unknown> = {};
  const renamed = aliases[entry.class_name] ?? {};
  for (const [key, value] of Object.entries(entry.config)) {
    const k = renamed[camelCase(key)] ?? camelCase(key);
    config[k] = valueFromKeras(k, value, { layer: name ?? entry.class_name, option: snakeCase(k) });
  }
  let layer: Layer;
  try {
    layer = factory(config);
  } catch (error) {
    if (error instanceof LayerError) throw error;
    throw new LayerError(
      `${label}: cannot be made from ${describe(entry.config)}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  // Every option given must have been understood, or be one that does not change the result.
  const known = new Set(Object.keys(layer.getConfig()));
  const ignored = Object.entries(config).filter(
    ([k, v]) => v !== undefined && !known.has(k) && !(harmless[k]?.(v) ?? false),
  );
  if (ignored.length > 0) {
    throw new LayerError(
      `${label}: option${ignored.length > 1 ? 's' : ''} ${ignored
        .map(([k, v]) => `${snakeCase(k)} = ${describe(v)}`)
        .join(', ')} not supported here`,
    );
  }
  return layer;
}
