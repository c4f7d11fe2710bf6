import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadWeightsManifest } from './files';
import { parseWeightsManifest } from './manifest';

// A real file no one here wrote: @vladmandic/face-api (a devDependency) ships seven tfjs weight manifests
// with their shards, most weights uint8-quantized. Without the package the suite is skipped, not failed.
const modelDir = (() => {
  try {
    return join(
      dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')),
      'model',
    );
  } catch {
    return undefined;
  }
})();
const manifests = modelDir
  ? readdirSync(modelDir)
      .filter((f) => f.endsWith('weights_manifest.json'))
      .sort()
  : [];

describe.skipIf(modelDir === undefined)('@vladmandic/face-api weight manifests', () => {
  it('are all seven there', () => {
    expect(manifests.map((m) => m.replace('-weights_manifest.json', ''))).toEqual([
      'age_gender_model',
      'face_expression_model',
      'face_landmark_68_model',
      'face_landmark_68_tiny_model',
      'face_recognition_model',
      'ssd_mobilenetv1_model',
      'tiny_face_detector_model',
    ]);
  });

  for (const file of manifests) {
    it(`${file}: every tensor decodes with its shape and dtype, bit for bit as tfjs-core decodes it`, async () => {
      const path = join(modelDir!, file);
      const manifest = parseWeightsManifest(readFileSync(path));
      const weights = await loadWeightsManifest(path);
      const specs = manifest.flatMap((g) => g.weights);
      expect(weights.size).toBe(specs.length);
      let quantized = 0;
      for (const group of manifest) {
        const shard = group.paths.map((p) => readFileSync(join(modelDir!, p)));
        const reference = tf.io.decodeWeights(Buffer.concat(shard).buffer.slice(0), group.weights);
        for (const spec of group.weights) {
          const w = weights.get(spec.name)!;
          expect(w.shape, spec.name).toEqual(spec.shape);
          expect(w.dtype, spec.name).toBe(spec.dtype);
          expect(w.values).toBeInstanceOf(spec.dtype === 'int32' ? Int32Array : Float32Array);
          expect(w.values.length).toBe(spec.shape.reduce((a, b) => a * b, 1));
          const theirs = reference[spec.name]!;
          expect(theirs.shape).toEqual(spec.shape);
          const a = w.values;
          const b = theirs.dataSync();
          const bytes = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
          if (!bytes(a).equals(bytes(b))) expect.fail(`${spec.name} differs from tfjs-core's decoding`);
          if (spec.quantization) {
            quantized++;
            // Dequantized values lie on the grid min + k·scale, k in 0…255.
            const { min, scale } = spec.quantization as { min: number; scale: number };
            for (const v of a.subarray(0, 64)) {
              const k = (v - min) / scale;
              if (spec.dtype === 'float32') expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-3);
              expect(k).toBeGreaterThan(-1);
              expect(k).toBeLessThan(256);
            }
          }
        }
        tf.dispose(Object.values(reference));
      }
      expect(quantized).toBeGreaterThan(0);
    });
  }
});
