import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageError } from '../errors';
import { Rng } from '../random';
import { readImage, writeImage } from './files';

describe('readImage and writeImage (Node)', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cnn-core-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('write a PNG and read back the same pixels', async () => {
    const image = tf.round(tf.mul(new Rng(3).randomUniform([1, 6, 5, 3]), 255));
    const path = join(dir, 'round-trip.png');
    await writeImage(path, tf.cast(image, 'int32'));
    const back = await readImage(path);
    expect(Array.from(tf.mul(back, 255).round().dataSync())).toEqual(Array.from(image.dataSync()));
    const grey = await readImage(path, { channels: 1 });
    expect(grey.shape).toEqual([1, 6, 5, 1]);
    tf.dispose([image, back, grey]);
  });

  it('replace a file whole, leaving no temporary files behind', async () => {
    const path = join(dir, 'replace.png');
    await writeFile(path, 'old contents');
    await writeImage(path, tf.ones([2, 2, 1]));
    expect((await readFile(path)).subarray(1, 4).toString()).toBe('PNG');
    await expect(writeImage(join(dir, 'missing-dir', 'x.png'), tf.ones([2, 2, 1]))).rejects.toThrow(/ENOENT/);
    await expect(writeImage(join(dir, 'bad.png'), tf.ones([2, 2, 2, 1]))).rejects.toThrow(ImageError);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('refuse a path that is not .png, and name a file that is not an image', async () => {
    await expect(writeImage(join(dir, 'photo.jpg'), tf.ones([2, 2, 3]))).rejects.toThrow(
      /writeImage writes PNG files; '.*photo\.jpg' does not end in \.png/,
    );
    const text = join(dir, 'notes.png');
    await writeFile(text, 'not an image');
    await expect(readImage(text)).rejects.toThrow(ImageError);
    await expect(readImage(join(dir, 'absent.png'))).rejects.toThrow(/ENOENT/);
  });
});
