import { toHalf } from '@cnn/core';
import type { WeightSpec } from '@cnn/layers';
import type { WeightValue } from './named';

/** How a writer may store float weights in fewer bytes, as tensorflowjs_converter's `--quantize_*` flags. */
export type Quantization = 'uint8' | 'uint16' | 'float16';

/** numpy's round: to nearest, ties to even. */
function roundEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * One weight quantized as tensorflowjs_converter does (its `quantization.py`): uint8/uint16 map
 * [min, max] linearly onto 0…2^bits−1, with the range nudged so that 0 is exactly representable when it
 * lies inside; a constant weight is all zeros with scale 1. float16 rounds each value to nearest-even.
 * Returns the stored bytes and the manifest's `quantization` field.
 *
 * @example
 * ```ts
 * const { bytes, quantization } = quantizeWeight(w, 'uint8');   // quantization: { dtype: 'uint8', scale, min }
 * ```
 */
export function quantizeWeight(
  weight: WeightValue,
  dtype: Quantization,
): { bytes: Uint8Array; quantization: NonNullable<WeightSpec['quantization']> } {
  const v = weight.values;
  if (dtype === 'float16') {
    const out = new Uint16Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = toHalf(v[i]!);
    return { bytes: new Uint8Array(out.buffer), quantization: { dtype } };
  }
  const top = dtype === 'uint8' ? 255 : 65535;
  const out = dtype === 'uint8' ? new Uint8Array(v.length) : new Uint16Array(v.length);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const x of v) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (v.length === 0 || lo === hi) {
    return {
      bytes: new Uint8Array(out.buffer),
      quantization: { dtype, scale: 1, min: v.length ? lo : 0 },
    };
  }
  const scale = (hi - lo) / top;
  let min = lo;
  let max = hi;
  if (lo <= 0 && 0 <= hi) {
    min = -roundEven(-lo / scale) * scale;
    max = top * scale + min;
  }
  for (let i = 0; i < v.length; i++) {
    const x = Math.min(Math.max(v[i]!, min), max);
    out[i] = roundEven((x - min) / scale);
  }
  return { bytes: new Uint8Array(out.buffer), quantization: { dtype, scale, min } };
}
