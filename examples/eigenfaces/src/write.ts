import { join } from 'node:path';
import { writeImage } from '@cnn/core';
import type { Picture } from '@cnn/pca';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Writes each picture as `<dir>/<kebab-name>.png`, nearest-neighbour enlarged `zoom` times (24-pixel faces
 * are small on a screen), and returns the paths. Does not dispose the pictures.
 */
export async function writePictures(
  dir: string,
  pictures: Record<string, Picture>,
  zoom = 3,
): Promise<string[]> {
  const paths: string[] = [];
  for (const [name, picture] of Object.entries(pictures)) {
    const path = join(dir, `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}.png`);
    const [h, w] = picture.shape;
    const big = tf.tidy(() => tf.image.resizeNearestNeighbor(picture, [h * zoom, w * zoom]));
    await writeImage(path, big);
    big.dispose();
    paths.push(path);
  }
  return paths;
}
