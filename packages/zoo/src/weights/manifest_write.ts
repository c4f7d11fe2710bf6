import { SHARD_BYTES, shardWeights, type WeightSpec } from '@cnn/layers';
import type { WeightsManifest } from './manifest';
import type { NamedWeights } from './named';
import { type Quantization, quantizeWeight } from './quantize';

/** Options of {@link encodeWeightsManifest}. */
export interface EncodeManifestOptions {
  /** Store weights quantized (see {@link quantizeWeight}). Default: as they are (float32, int32). */
  quantize?: Quantization;
  /** Which weights to quantize, by name (the converter's `--quantize_uint8` patterns). Default: all. */
  quantizeWeight?: (name: string) => boolean;
  /** The largest shard file, in bytes. Default 4 MiB, as tfjs. */
  shardBytes?: number;
}

/**
 * Weights as a tfjs weights manifest and its shard files (`group1-shard1of1.bin`, …), what
 * `tf.io.loadWeights` and {@link decodeWeightsManifest} read. Unquantized weights come back bit for bit;
 * quantized ones come back as `q·scale + min` (uint8/uint16, int32 rounded) or the nearest half (float16).
 *
 * @example
 * ```ts
 * const { manifest, shards } = encodeWeightsManifest(await modelWeights(net), { quantize: 'uint8' });
 * ```
 */
export function encodeWeightsManifest(
  weights: NamedWeights,
  options: EncodeManifestOptions = {},
): { manifest: WeightsManifest; shards: Uint8Array[] } {
  const specs: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  for (const [name, w] of weights) {
    const spec: WeightSpec = { name, shape: [...w.shape], dtype: w.dtype };
    let bytes = new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength);
    const q = options.quantize;
    if (q && (q !== 'float16' || w.dtype === 'float32') && (options.quantizeWeight?.(name) ?? true)) {
      const quantized = quantizeWeight(w, q);
      bytes = quantized.bytes;
      spec.quantization = quantized.quantization;
    }
    specs.push(spec);
    parts.push(bytes);
  }
  const data = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    data.set(p, offset);
    offset += p.byteLength;
  }
  const { manifest, shards } = shardWeights(specs, data.buffer, options.shardBytes ?? SHARD_BYTES);
  return { manifest, shards };
}
