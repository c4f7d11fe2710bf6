import { svd } from '@cnn/linalg';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The SVD of an image (seed 000): a grayscale image is a matrix X = Σ σ_i u_i v_iᵀ, and keeping the k
 * largest terms gives the best rank-k approximation (Eckart–Young), whose error is √(Σ_{i>k} σ_i²).
 */

/** A 128×160 test image made of smooth shading, a disc, stripes and a checkerboard: no file needed. */
export function testImage(height = 128, width = 160): tf.Tensor2D {
  const pixels = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 0.25 + 0.35 * (x / width) * (y / height);
      if ((x - 50) ** 2 + (y - 55) ** 2 < 30 ** 2) v = 0.9;
      if (x > 95 && x < 150 && y > 15 && y < 60 && Math.floor(x / 6) % 2 === 0) v = 0.05;
      if (x > 95 && x < 150 && y > 75 && y < 115 && (Math.floor(x / 8) + Math.floor(y / 8)) % 2 === 0)
        v = 0.75;
      pixels[y * width + x] = v;
    }
  }
  return tf.tensor2d(pixels, [height, width]);
}

export interface RankK {
  readonly k: number;
  /** The rank-k approximation, same shape as the image, clipped to [0, 1]. */
  readonly image: tf.Tensor2D;
  /** ‖X − X_k‖_F / ‖X‖_F measured, and as the singular values predict it. */
  readonly error: number;
  readonly predicted: number;
}

/** Rank-k reconstructions of `x` for each k; the caller disposes the images. */
export function rankKReconstructions(x: tf.Tensor2D, ks: readonly number[]): RankK[] {
  const { u, s, v } = svd(x);
  const sigma = Array.from(s.dataSync());
  const total = Math.sqrt(sigma.reduce((a, b) => a + b * b, 0));
  const out = ks.map((k) =>
    tf.tidy(() => {
      const [m, n] = x.shape;
      const uk = tf.slice(u, [0, 0], [m, k]);
      const vk = tf.slice(v, [0, 0], [n, k]);
      const xk = tf.matMul(tf.mul(uk, tf.slice(s, [0], [k])), vk, false, true) as tf.Tensor2D;
      const error = tf.norm(tf.sub(x, xk)).dataSync()[0]! / total;
      const predicted = Math.sqrt(sigma.slice(k).reduce((a, b) => a + b * b, 0)) / total;
      return { k, image: tf.clipByValue(xk, 0, 1) as tf.Tensor2D, error, predicted };
    }),
  );
  tf.dispose([u, s, v]);
  return out;
}
