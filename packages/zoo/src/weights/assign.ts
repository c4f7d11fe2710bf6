import { assignWeights, formatShape, type Model, type WeightSpec } from '@cnn/layers';
import { WeightMatchError } from './errors';
import type { NamedWeights, WeightValue } from './named';

/** File weight names → model weight names: a table, or a function (undefined leaves the weight out). */
export type WeightRename = Readonly<Record<string, string>> | ((name: string) => string | undefined);

/** Options of {@link assignNamedWeights}. */
export interface AssignOptions {
  /** Renames file weights before matching; names it does not list are kept as they are. */
  rename?: WeightRename;
  /** Throw when file weights match no model weight. Default true. */
  strict?: boolean;
}

const listed = (names: readonly string[]) =>
  `${names.slice(0, 6).join(', ')}${names.length > 6 ? ` and ${names.length - 6} more` : ''}`;

/**
 * Matches file weights to a model's by name and assigns them bit for bit: the same name (Keras' layer
 * names, `block1_conv1/kernel`), the name with Keras' `:0`, or a file name that ends in `/name` where only
 * one does (a converter's model-name prefix). A model weight the file lacks or has in another shape
 * throws a {@link WeightMatchError} naming it ("weight block1_conv1/kernel: expected [3, 3, 3, 64], file
 * has [64, 3, 3, 3]"), before any weight is changed.
 *
 * @example
 * ```ts
 * assignNamedWeights(net, decodeWeightsManifest(manifest, shards), { rename: { 'dense/kernel': 'fc1/kernel' } });
 * ```
 */
export function assignNamedWeights(model: Model, weights: NamedWeights, options: AssignOptions = {}): void {
  const renamed = rename(weights, options.rename);
  const used = new Set<string>();
  const saved = new Map<string, { spec: WeightSpec; values: Float32Array }>();
  for (const w of model.weights) {
    const key = lookup(renamed, w.name);
    if (key === undefined) {
      throw new WeightMatchError(
        w.name,
        `weight ${w.name} ${formatShape(w.variable.shape)} is missing from the file, which holds ${listed([...renamed.keys()])}`,
      );
    }
    const value = renamed.get(key)!;
    const shape = w.variable.shape;
    if (value.shape.length !== shape.length || value.shape.some((d, i) => d !== shape[i])) {
      throw new WeightMatchError(
        w.name,
        `weight ${w.name}: expected ${formatShape(shape)}, file has ${formatShape(value.shape)}${key === w.name ? '' : ` (as ${key})`}`,
      );
    }
    used.add(key);
    const values = value.values instanceof Float32Array ? value.values : new Float32Array(value.values);
    saved.set(w.name, { spec: { name: w.name, shape: [...shape], dtype: 'float32' }, values });
  }
  if (options.strict ?? true) {
    const extra = [...renamed.keys()].filter((k) => !used.has(k));
    if (extra.length > 0) {
      throw new WeightMatchError(
        extra[0]!,
        `the file weights ${listed(extra)} match no weight of ${model.name} (pass strict: false to ignore them)`,
      );
    }
  }
  assignWeights(model, saved);
}

function rename(weights: NamedWeights, how: WeightRename | undefined): Map<string, WeightValue> {
  if (how === undefined) return weights;
  const out = new Map<string, WeightValue>();
  for (const [name, value] of weights) {
    const to = typeof how === 'function' ? how(name) : Object.hasOwn(how, name) ? how[name] : name;
    if (to === undefined) continue;
    if (out.has(to)) throw new WeightMatchError(to, `two file weights are renamed to ${to}`);
    out.set(to, value);
  }
  return out;
}

function lookup(weights: Map<string, WeightValue>, name: string): string | undefined {
  if (weights.has(name)) return name;
  if (weights.has(`${name}:0`)) return `${name}:0`;
  const scoped = [...weights.keys()].filter((k) => k.replace(/:0$/, '').endsWith(`/${name}`));
  return scoped.length === 1 ? scoped[0] : undefined;
}
