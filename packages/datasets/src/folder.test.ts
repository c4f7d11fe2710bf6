import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePng, expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import { imageFolder } from './folder';
import { encodePgm } from './formats/pgm';

/** A 4×6 grey image whose pixel (x, y) is seed + 10·y + x. */
const pattern = (seed: number, h = 4, w = 6) =>
  Uint8Array.from({ length: h * w }, (_, i) => seed + 10 * Math.floor(i / w) + (i % w));

async function png(pixels: Uint8Array, h = 4, w = 6): Promise<Uint8Array> {
  const t = tf.tensor4d(
    Float32Array.from(pixels, (v) => v / 255),
    [1, h, w, 1],
  );
  const bytes = await encodePng(t);
  t.dispose();
  return bytes;
}

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cnn-folder-'));
  await mkdir(join(root, 'cat'));
  await mkdir(join(root, 'dog'));
  await writeFile(join(root, 'cat', 'a.png'), await png(pattern(0)));
  await writeFile(join(root, 'cat', 'b.pgm'), encodePgm({ width: 6, height: 4, data: pattern(100) }));
  await writeFile(join(root, 'dog', 'c.png'), await png(pattern(50)));
  await writeFile(join(root, 'dog', 'notes.txt'), 'not an image');
  await writeFile(join(root, 'stray.png'), await png(pattern(9))); // not in a class directory
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('imageFolder', () => {
  it('finds classes and images, and decodes PNG and PGM to the exact bytes', async () => {
    const folder = await imageFolder(root, { channels: 1 });
    expect(folder.classes).toEqual(['cat', 'dog']);
    expect(folder.files.map((f) => [f.path.slice(root.length + 1), f.label])).toEqual([
      ['cat/a.png', 0],
      ['cat/b.pgm', 0],
      ['dog/c.png', 1],
    ]);
    const set = await expectNoLeaks(() => folder.load(), 'load');
    expect(set.shape).toEqual([3, 4, 6, 1]);
    expect([...set.labels]).toEqual([0, 0, 1]);
    expect([...set.images]).toEqual([...pattern(0), ...pattern(100), ...pattern(50)]);
  });

  it('streams lazily through a dataset and resizes to a common size', async () => {
    const folder = await imageFolder(root, { channels: 3, size: [2, 3] });
    const batches = await folder.dataset().batch(2).toArray();
    expect(batches.map((b) => b.x.shape)).toEqual([
      [2, 2, 3, 3],
      [1, 2, 3, 3],
    ]);
    // Halving a linear ramp with corner-aligned bilinear resizing keeps its ends: pixel (0, 0) and the last.
    const first = batches[0]!.x.dataSync();
    expect(first[0]).toBe(0);
    expect(first[2 * 3 * 3 - 1]).toBe(35);
    tf.dispose(batches.flatMap((b) => [b.x, b.y]));
  });

  it('crops a window before resizing, and reads JPEG', async () => {
    const rgb = new Uint8Array(8 * 8 * 4).fill(255);
    for (let i = 0; i < 64; i++) rgb[i * 4] = i < 32 ? 200 : 40; // red: top half bright, bottom dark
    const jpg = jpeg.encode({ data: rgb, width: 8, height: 8 }, 100).data;
    const folder = await imageFolder([{ path: 'x/face.jpg', read: async () => new Uint8Array(jpg) }], {
      crop: [4, 0, 4, 8],
    });
    const set = await folder.load();
    expect(set.shape).toEqual([1, 4, 8, 3]);
    const reds = [...set.images].filter((_, i) => i % 3 === 0);
    for (const red of reds.slice(8)) expect(Math.abs(red - 40)).toBeLessThan(12); // JPEG is lossy
  });

  it('reads entries such as a browser directory picker gives', async () => {
    const bytes = await png(pattern(20));
    const files = [
      { name: 'a.png', webkitRelativePath: 'pics/bird/a.png', arrayBuffer: async () => bytes.slice().buffer },
    ];
    const set = await (await imageFolder(files, { channels: 1 })).load();
    expect(set.classes).toEqual(['bird']);
    expect([...set.images]).toEqual([...pattern(20)]);
  });

  it('explains what is wrong: no images, sizes that differ, undecodable files, crops that do not fit', async () => {
    await expect(
      imageFolder([{ path: 'a/readme.txt', read: async () => new Uint8Array(1) }]),
    ).rejects.toThrow(/no .png\/.jpg\/.jpeg\/.pgm files in class sub-directories/);
    const mixed = await imageFolder([
      { path: 'a/1.pgm', read: async () => encodePgm({ width: 6, height: 4, data: pattern(0) }) },
      { path: 'a/2.pgm', read: async () => encodePgm({ width: 2, height: 2, data: new Uint8Array(4) }) },
    ]);
    await expect(mixed.load()).rejects.toThrow(/a\/2.pgm is 2×2×3, a\/1.pgm is 4×6×3; pass \{ size/);
    const broken = await imageFolder([{ path: 'a/1.png', read: async () => new Uint8Array([1, 2, 3]) }]);
    await expect(broken.load()).rejects.toThrow(DatasetError);
    const small = await imageFolder(root, { crop: [0, 0, 10, 10] });
    await expect(small.load()).rejects.toThrow(/the crop \[0, 0, 10, 10\] does not fit/);
  });
});
