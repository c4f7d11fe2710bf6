import { formatShape, type Model } from '@cnn/layers';
import { assignNamedWeights } from './assign';
import { WeightMatchError } from './errors';
import type { NamedWeights } from './named';
import { type SafeTensor, type Safetensors, safeTensorValues } from './safetensors';

/**
 * Where one of our layers' parameters sit in a PyTorch state dict: the module's path (`features.0`,
 * `layer1.0.conv1`), and for the first `Linear` after torch's flatten of C×H×W features, that [C, H, W]:
 * torch flattens channels first, our NHWC `Flatten` channels last, so that kernel's rows are reordered.
 */
export interface TorchModule {
  readonly module: string;
  readonly flattenedFrom?: readonly [number, number, number];
}

/**
 * Our layer names → torch module paths (a table, or a function; undefined: the layer has none). Tables
 * for torchvision's families: {@link vggTorchNames}, {@link resnetTorchNames}, {@link alexnetTorchNames}.
 */
export type TorchNames =
  | Readonly<Record<string, string | TorchModule>>
  | ((layer: string) => string | TorchModule | undefined);

/** Our parameter names (Keras') → torch's. */
const PARAMS: Record<string, string> = {
  kernel: 'weight',
  bias: 'bias',
  gamma: 'weight',
  beta: 'bias',
  moving_mean: 'running_mean',
  moving_variance: 'running_var',
};

/** Torch bookkeeping with no counterpart in a model: BatchNorm's step counter. */
const IGNORED = /(^|\.)num_batches_tracked$/;

function moduleOf(names: TorchNames, layer: string): TorchModule | undefined {
  const m =
    typeof names === 'function' ? names(layer) : Object.hasOwn(names, layer) ? names[layer] : undefined;
  return typeof m === 'string' ? { module: m } : m;
}

/** The torch layout of one of our shapes: OIHW for HWIO conv kernels, [out, in] for dense kernels. */
function torchShape(param: string, shape: readonly number[]): number[] {
  if (param === 'kernel' && shape.length === 4) return [shape[3]!, shape[2]!, shape[0]!, shape[1]!];
  if (param === 'kernel' && shape.length === 2) return [shape[1]!, shape[0]!];
  return [...shape];
}

/** Torch's values in our layout: OIHW → HWIO, [out, in] → [in, out] (rows reordered CHW → HWC if flattened). */
function toOurLayout(
  param: string,
  shape: readonly number[],
  v: Float32Array,
  chw?: readonly number[],
): Float32Array {
  if (param !== 'kernel' || (shape.length !== 4 && shape.length !== 2)) return v;
  const out = new Float32Array(v.length);
  if (shape.length === 4) {
    const [h, w, i, o] = shape as [number, number, number, number];
    for (let oo = 0; oo < o; oo++)
      for (let ii = 0; ii < i; ii++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++)
            out[((y * w + x) * i + ii) * o + oo] = v[((oo * i + ii) * h + y) * w + x]!;
    return out;
  }
  const [inputs, units] = shape as [number, number];
  const [c, h, w] = (chw ?? [inputs, 1, 1]) as [number, number, number];
  for (let u = 0; u < units; u++)
    for (let ch = 0; ch < c; ch++)
      for (let p = 0; p < h * w; p++) out[(p * c + ch) * units + u] = v[u * inputs + ch * h * w + p]!;
  return out;
}

/**
 * A PyTorch checkpoint's tensors renamed and transposed into a model's weights: each model weight
 * `layer/param` is read from `<module>.<weight|bias|running_mean|running_var>` of its layer's module,
 * conv kernels OIHW → HWIO, dense kernels [out, in] → [in, out]. A layer without a module, a tensor the
 * file lacks or holds in another shape throws a {@link WeightMatchError} naming both names; with
 * `strict` (default), so do file tensors nothing took (BatchNorm's `num_batches_tracked` aside).
 *
 * @example
 * ```ts
 * const weights = torchWeights(net, parseSafetensors(bytes), { block1_conv1: 'features.0', fc1: { module: 'classifier.0', flattenedFrom: [512, 7, 7] } });
 * ```
 */
export function torchWeights(
  model: Model,
  file: Safetensors | ReadonlyMap<string, SafeTensor>,
  names: TorchNames,
  options: { strict?: boolean } = {},
): NamedWeights {
  const tensors: ReadonlyMap<string, SafeTensor> = file instanceof Map ? file : (file as Safetensors).tensors;
  const out: NamedWeights = new Map();
  const used = new Set<string>();
  for (const w of model.weights) {
    const cut = w.name.lastIndexOf('/');
    const layer = w.name.slice(0, cut);
    const param = w.name.slice(cut + 1);
    const m = moduleOf(names, layer);
    if (m === undefined) {
      throw new WeightMatchError(
        w.name,
        `weight ${w.name}: layer ${layer} has no torch module in the name table`,
      );
    }
    if (!Object.hasOwn(PARAMS, param)) {
      throw new WeightMatchError(
        w.name,
        `weight ${w.name}: no torch counterpart for a parameter named ${param}`,
      );
    }
    const key = `${m.module}.${PARAMS[param]}`;
    const tensor = tensors.get(key);
    const shape = w.variable.shape;
    const expected = torchShape(param, shape);
    if (!tensor) {
      throw new WeightMatchError(
        w.name,
        `weight ${w.name}: ${key} ${formatShape(expected)} is missing from the file`,
      );
    }
    if (tensor.shape.length !== expected.length || tensor.shape.some((d, i) => d !== expected[i])) {
      throw new WeightMatchError(
        w.name,
        `weight ${w.name} (${key}): expected ${formatShape(expected)}, file has ${formatShape(tensor.shape)}`,
      );
    }
    const chw = param === 'kernel' ? m.flattenedFrom : undefined;
    if (chw && (shape.length !== 2 || chw[0] * chw[1] * chw[2] !== shape[0])) {
      throw new WeightMatchError(
        w.name,
        `weight ${w.name}: flattenedFrom ${formatShape(chw)} needs a dense kernel of ${chw[0] * chw[1] * chw[2]} inputs, it is ${formatShape(shape)}`,
      );
    }
    used.add(key);
    out.set(w.name, {
      shape: [...shape],
      dtype: 'float32',
      values: toOurLayout(param, shape, safeTensorValues(tensor), chw),
    });
  }
  if (options.strict ?? true) {
    const extra = [...tensors.keys()].filter((k) => !used.has(k) && !IGNORED.test(k));
    if (extra.length > 0) {
      throw new WeightMatchError(
        extra[0]!,
        `the file tensors ${extra.slice(0, 6).join(', ')}${extra.length > 6 ? ` and ${extra.length - 6} more` : ''} ` +
          `match no weight of ${model.name} (pass strict: false to ignore them)`,
      );
    }
  }
  return out;
}

/**
 * Loads a PyTorch checkpoint (parsed safetensors) into a model through a name table, bit for bit after
 * the layout change (see {@link torchWeights}).
 *
 * @example
 * ```ts
 * loadTorchWeights(vgg16, parseSafetensors(bytes), vggTorchNames(VGG_D));
 * ```
 */
export function loadTorchWeights(
  model: Model,
  file: Safetensors | ReadonlyMap<string, SafeTensor>,
  names: TorchNames,
  options: { strict?: boolean } = {},
): void {
  assignNamedWeights(model, torchWeights(model, file, names, options));
}
