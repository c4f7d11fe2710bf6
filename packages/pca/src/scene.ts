import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { PcaError } from './errors';
import { renderFace } from './synthetic_faces';
import { nonFacePatches } from './textures';

/** A rectangle in pixels: top-left corner (x right, y down) and size. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where to paste a face in a {@link syntheticScene}. */
export interface ScenePlacement {
  /** Top-left corner in pixels (integers). */
  x: number;
  y: number;
  /** Side of the face square in pixels. */
  size: number;
  /** The person (of the scene's seed population, as {@link syntheticFaces} draws them); default the index. */
  person?: number;
}

/** Options of {@link syntheticScene}. */
export interface SyntheticSceneOptions {
  height: number;
  width: number;
  faces: readonly ScenePlacement[];
  /** Seeds both the background and the people (default 0): `seed` of {@link syntheticFaces} picks the same people. */
  seed?: number;
  /** Seeds the background alone (default `seed`): keep it to move faces over one background, frame to frame. */
  backgroundSeed?: number;
}

/** A scene and where its faces are. */
export interface SyntheticScene {
  /** [1, height, width, 1] in [0, 1]; the caller disposes it. */
  image: tf.Tensor4D;
  /** The pasted squares, in the order given. */
  boxes: Box[];
}

/**
 * A larger grayscale image: a fractal (natural-looking) texture with synthetic faces pasted into it at the
 * given places and sizes — what `EigenFaces.locate` and `track` search. Faces must lie inside the image.
 *
 * @example
 * ```ts
 * const { image, boxes } = syntheticScene({ height: 96, width: 128, faces: [{ x: 40, y: 30, size: 24 }], seed: 1 });
 * const found = model.locate(image, { scales: [1] }).boxes[0];   // near boxes[0]
 * ```
 */
export function syntheticScene(options: SyntheticSceneOptions): SyntheticScene {
  const { height, width, faces, seed = 0 } = options;
  const backgroundSeed = options.backgroundSeed ?? seed;
  for (const [name, v] of [
    ['height', height],
    ['width', width],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new PcaError(`syntheticScene: ${name} must be a positive integer, got ${String(v)}`);
    }
  }
  const background = nonFacePatches({
    count: 1,
    size: [height, width],
    seed: backgroundSeed,
    kinds: ['fractal'],
  });
  const pixels = background.dataSync() as Float32Array;
  background.dispose();
  const rng = new Rng(seed * 13 + 11);
  const boxes = faces.map((f, i) => {
    const { x, y, size } = f;
    if (
      ![x, y, size].every(Number.isInteger) ||
      size < 1 ||
      x < 0 ||
      y < 0 ||
      x + size > width ||
      y + size > height
    ) {
      throw new PcaError(
        `syntheticScene: faces[${i}] must be an integer square inside the ${height}×${width} image, got x ${x}, y ${y}, size ${size}`,
      );
    }
    const face = renderFace(seed, f.person ?? i, size, rng);
    for (let r = 0; r < size; r++) pixels.set(face.subarray(r * size, (r + 1) * size), (y + r) * width + x);
    return { x, y, width: size, height: size };
  });
  return { image: tf.tensor4d(pixels, [1, height, width, 1]), boxes };
}
