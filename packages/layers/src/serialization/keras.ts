import { type ActivationName, activations } from '../activations';
import { LayerError } from '../errors';
import { type Initializer, type InitializerLike, initializers, varianceScaling } from '../initializers';
import { l1, l1l2, l2, type Regularizer } from '../regularizers';

/** A Keras object as the layers format writes it: `{ class_name: 'GlorotUniform', config: { seed: null } }`. */
export interface KerasObject {
  class_name: string;
  config: Record<string, unknown>;
}

/** Where a value sits, for error messages: the layer's name and the option. */
export interface Where {
  layer: string;
  option: string;
}

/**
 * camelCase to Keras' snake_case: `kernelSize` → `kernel_size`, `batchInputShape` → `batch_input_shape`.
 *
 * @example
 * ```ts
 * snakeCase('dilationRate'); // 'dilation_rate'
 * ```
 */
export function snakeCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * Keras' snake_case to camelCase: `kernel_size` → `kernelSize` (camelCase keys pass unchanged).
 *
 * @example
 * ```ts
 * camelCase('moving_mean_initializer'); // 'movingMeanInitializer'
 * ```
 */
export function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `{ class_name, config }` (or tfjs' in-memory `{ className, config }`), else undefined.
 *
 * @example
 * ```ts
 * asKerasObject({ className: 'Zeros', config: {} }); // { class_name: 'Zeros', config: {} }
 * ```
 */
export function asKerasObject(value: unknown): KerasObject | undefined {
  if (!isObject(value)) return undefined;
  const name = value.class_name ?? value.className;
  if (typeof name !== 'string') return undefined;
  return { class_name: name, config: isObject(value.config) ? value.config : {} };
}

/** Keras' objects for the initialisers known here by name, as Keras 2 and tfjs-layers read them. */
const namedInitializers: Record<keyof typeof initializers, KerasObject | undefined> = {
  zeros: { class_name: 'Zeros', config: {} },
  ones: { class_name: 'Ones', config: {} },
  constant: undefined,
  truncatedNormal: { class_name: 'TruncatedNormal', config: { mean: 0, stddev: 0.05, seed: null } },
  randomNormal: { class_name: 'RandomNormal', config: { mean: 0, stddev: 0.05, seed: null } },
  randomUniform: { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null } },
  glorotUniform: { class_name: 'GlorotUniform', config: { seed: null } },
  glorotNormal: { class_name: 'GlorotNormal', config: { seed: null } },
  heUniform: { class_name: 'HeUniform', config: { seed: null } },
  heNormal: { class_name: 'HeNormal', config: { seed: null } },
  // Keras says LecunNormal, tfjs-layers LeCunNormal: VarianceScaling is the name both read.
  lecunNormal: {
    class_name: 'VarianceScaling',
    config: { scale: 1, mode: 'fan_in', distribution: 'truncated_normal', seed: null },
  },
};

const tagOf = (fn: unknown) =>
  (fn as { keras?: { className: string; config: Record<string, unknown> } }).keras;

/**
 * An initialiser option (a name, or a function made by `initializers`/`varianceScaling`) as a Keras object;
 * a function of one's own has no Keras form and throws a LayerError naming the layer and option.
 *
 * @example
 * ```ts
 * initializerToKeras('heNormal', { layer: 'conv1', option: 'kernelInitializer' }); // { class_name: 'HeNormal', … }
 * ```
 */
export function initializerToKeras(value: unknown, where: Where): KerasObject {
  if (typeof value === 'string') {
    const known = namedInitializers[camelCase(value) as keyof typeof initializers];
    if (known) return structuredClone(known);
  } else if (typeof value === 'function') {
    const tag = tagOf(value);
    if (tag) return { class_name: tag.className, config: { ...tag.config } };
  }
  throw new LayerError(
    `${where.layer}: cannot save ${where.option} = ${describe(value)}: only named initialisers ` +
      `('glorotUniform', 'heNormal', …) and those made by initializers.* can be saved, not a function of one's own`,
  );
}

const num = (v: unknown, fallback: number) => (typeof v === 'number' ? v : fallback);

/** VarianceScaling's scale, mode and distribution as one of our names, when it is one. */
function varianceScalingName(c: Record<string, unknown>): keyof typeof initializers | undefined {
  const mode = camelCase(String(c.mode ?? 'fan_in'));
  const normal = ['normal', 'truncated_normal', 'truncatedNormal'].includes(
    String(c.distribution ?? 'truncated_normal'),
  );
  const uniform = String(c.distribution) === 'uniform';
  const scale = num(c.scale, 1);
  if (scale === 1 && mode === 'fanAvg')
    return uniform ? 'glorotUniform' : normal ? 'glorotNormal' : undefined;
  if (scale === 2 && mode === 'fanIn') return uniform ? 'heUniform' : normal ? 'heNormal' : undefined;
  if (scale === 1 && mode === 'fanIn' && normal) return 'lecunNormal';
  return undefined;
}

/**
 * A Keras initialiser (object or name) as an option of ours: a name where there is one, else a function
 * tagged with its Keras form (so the model saves again unchanged). Initialisers with no counterpart here
 * (Orthogonal, Identity …) become Glorot uniform — they only matter before weights are loaded — and keep
 * their Keras form for saving.
 *
 * @example
 * ```ts
 * initializerFromKeras({ class_name: 'Constant', config: { value: 1 } }, where); // initializers.constant(1)
 * ```
 */
export function initializerFromKeras(value: unknown, where: Where): InitializerLike {
  if (typeof value === 'string') {
    const key = camelCase(value.charAt(0).toLowerCase() + value.slice(1));
    const name = key === 'leCunNormal' ? 'lecunNormal' : key;
    if (name in initializers && name !== 'constant') return name as keyof typeof initializers;
    return initializerFromKeras({ class_name: value, config: {} }, where);
  }
  const object = asKerasObject(value);
  if (!object) {
    throw new LayerError(`${where.layer}: ${where.option} is not a Keras initialiser: ${describe(value)}`);
  }
  const c = object.config;
  const mean = num(c.mean, 0);
  const stddev = num(c.stddev, 0.05);
  switch (object.class_name) {
    case 'Zeros':
      return 'zeros';
    case 'Ones':
      return 'ones';
    case 'Constant':
      return initializers.constant(num(c.value, 0));
    case 'GlorotUniform':
      return 'glorotUniform';
    case 'GlorotNormal':
      return 'glorotNormal';
    case 'HeUniform':
      return 'heUniform';
    case 'HeNormal':
      return 'heNormal';
    case 'LecunNormal':
    case 'LeCunNormal':
      return 'lecunNormal';
    case 'LecunUniform':
    case 'LeCunUniform':
      return varianceScaling(1, 'fanIn', 'uniform');
    case 'TruncatedNormal':
      return mean === 0 && stddev === 0.05 ? 'truncatedNormal' : initializers.truncatedNormal(stddev, mean);
    case 'RandomNormal':
      return mean === 0 && stddev === 0.05 ? 'randomNormal' : initializers.randomNormal(stddev, mean);
    case 'RandomUniform': {
      const [min, max] = [num(c.minval, -0.05), num(c.maxval, 0.05)];
      return min === -0.05 && max === 0.05 ? 'randomUniform' : initializers.randomUniform(min, max);
    }
    case 'VarianceScaling': {
      const name = varianceScalingName(c);
      if (name) return name;
      const mode = camelCase(String(c.mode ?? 'fan_in'));
      const distribution = String(c.distribution ?? 'truncated_normal');
      if (['fanIn', 'fanOut', 'fanAvg'].includes(mode) && distribution !== 'untruncated_normal') {
        return varianceScaling(
          num(c.scale, 1),
          mode as 'fanIn' | 'fanOut' | 'fanAvg',
          distribution === 'uniform' ? 'uniform' : 'normal',
        );
      }
      break;
    }
  }
  // No counterpart here: Glorot uniform to build with, the Keras form kept for saving.
  const stand: Initializer = (shape, rng) => initializers.glorotUniform()(shape, rng);
  return Object.assign(stand, { keras: { className: object.class_name, config: { ...c } } });
}

/**
 * A regularizer option (null, or one made by l1/l2/l1l2) as Keras' `L1L2` object, or null; a function of
 * one's own throws a LayerError naming the layer and option.
 *
 * @example
 * ```ts
 * regularizerToKeras(l2(5e-4), where); // { class_name: 'L1L2', config: { l1: 0, l2: 0.0005 } }
 * ```
 */
export function regularizerToKeras(value: unknown, where: Where): KerasObject | null {
  if (value === null || value === undefined) return null;
  const tag = typeof value === 'function' ? tagOf(value) : undefined;
  if (tag) return { class_name: tag.className, config: { ...tag.config } };
  throw new LayerError(
    `${where.layer}: cannot save ${where.option} = ${describe(value)}: only l1, l2 and l1l2 ` +
      `regularizers can be saved, not a function of one's own`,
  );
}

/**
 * A Keras regularizer (`L1L2`, `L1`, `L2`, or the names 'l1', 'l2', 'l1_l2') as one of ours; null is none.
 *
 * @example
 * ```ts
 * regularizerFromKeras({ class_name: 'L2', config: { l2: 0.01 } }, where); // l2(0.01)
 * ```
 */
export function regularizerFromKeras(value: unknown, where: Where): Regularizer | undefined {
  if (value === null || value === undefined) return undefined;
  const object =
    typeof value === 'string'
      ? { class_name: value.toUpperCase().replace('_', ''), config: {} }
      : asKerasObject(value);
  const c = object?.config ?? {};
  switch (object?.class_name) {
    case 'L1':
      return l1(num(c.l1, 0.01));
    case 'L2':
      return l2(num(c.l2, 0.01));
    case 'L1L2': {
      const [a, b] = [num(c.l1, 0), num(c.l2, 0)];
      if (a === 0 && b === 0) return undefined;
      return a === 0 ? l2(b) : b === 0 ? l1(a) : l1l2(a, b);
    }
  }
  throw new LayerError(
    `${where.layer}: ${where.option} ${describe(value)} is not supported; known: L1, L2, L1L2`,
  );
}

/**
 * An activation option (a name) as Keras writes it: `'relu'`, `'leaky_relu'`; a function throws a
 * LayerError naming the layer.
 *
 * @example
 * ```ts
 * activationToKeras('leakyRelu', where); // 'leaky_relu'
 * ```
 */
export function activationToKeras(value: unknown, where: Where): string {
  if (typeof value === 'string' && camelCase(value) in activations) return snakeCase(camelCase(value));
  throw new LayerError(
    `${where.layer}: cannot save ${where.option} = ${describe(value)}: only named activations ` +
      `(${Object.keys(activations).join(', ')}) can be saved, not a function`,
  );
}

/**
 * A Keras activation name (snake or camel case) as ours; one not known here throws, naming the layer.
 *
 * @example
 * ```ts
 * activationFromKeras('leaky_relu', where); // 'leakyRelu'
 * ```
 */
export function activationFromKeras(value: unknown, where: Where): ActivationName {
  const name = typeof value === 'string' ? camelCase(value) : undefined;
  if (name && name in activations) return name as ActivationName;
  throw new LayerError(
    `${where.layer}: ${where.option} ${describe(value)} is not supported; known: ${Object.keys(activations).join(', ')}`,
  );
}

/**
 * A short, readable form of a value for error messages.
 *
 * @example
 * ```ts
 * describe(Math.max); // 'a function (max)'
 * ```
 */
export function describe(value: unknown): string {
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'string') return `'${value}'`;
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}…` : text;
  } catch {
    return String(value);
  }
}
