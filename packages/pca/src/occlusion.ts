import { lstsq } from '@cnn/linalg';
import * as tf from '@tensorflow/tfjs-core';
import { PcaError } from './errors';
import type { FaceSpace } from './face_space';
import { shapeText } from './input';

/**
 * Reconstruction of an occluded face from its visible pixels (seed 001, Figure 13). Projecting the masked
 * image would count the occluder as part of the face; instead the face-space coordinates c are those that
 * best explain the visible pixels alone, min_c ‖M(μ + Uc) − Mx‖ (M keeps the visible rows), solved by
 * least squares, and μ + Uc fills in the rest.
 *
 * With contrast normalisation the image's own mean and scale are unknown too (they came from all its
 * pixels), so the model of the visible pixels is x ≈ b·1 + a·(μ + Uc): linear in (b, a, a·c), one least
 * squares over the columns [1, μ, U] of the visible rows.
 */
export function reconstructOccluded(space: FaceSpace, rows: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
  const [n, d] = rows.shape;
  const k = space.pca.nComponentsFitted;
  const unknowns = space.normalize ? k + 2 : k;
  const visible = mask.dataSync();
  const out: tf.Tensor2D[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const m = mask.shape[0] === 1 ? 0 : i;
      const keep: number[] = [];
      for (let j = 0; j < d; j++) if (visible[m * d + j]! > 0) keep.push(j);
      if (keep.length < unknowns) {
        throw new PcaError(
          `reconstructOccluded: image ${i} shows ${keep.length} pixels, fewer than the ${unknowns} unknowns of its fit (k = ${k}${space.normalize ? ' plus mean and scale' : ''})`,
        );
      }
      out.push(
        tf.tidy(() => {
          const mu = tf.reshape(space.pca.mean, [d, 1]);
          const u = tf.transpose(space.pca.components);
          const basis = (space.normalize ? tf.concat([tf.ones([d, 1]), mu, u], 1) : u) as tf.Tensor2D;
          const index = tf.tensor1d(keep, 'int32');
          const x = tf.reshape(tf.slice(rows, [i, 0], [1, d]), [d, 1]);
          const target = space.normalize ? tf.gather(x, index) : tf.gather(tf.sub(x, mu), index);
          const fit = lstsq(tf.gather(basis, index), target);
          const full = tf.matMul(basis, fit.x);
          tf.dispose([fit.residuals, fit.s]);
          return tf.reshape(space.normalize ? full : tf.add(full, mu), [1, d]) as tf.Tensor2D;
        }),
      );
    }
    return tf.concat(out, 0);
  } finally {
    tf.dispose(out);
  }
}

/** The mask as [1 or n, d] rows of 0/1 for `n` images of d pixels: same shapes as the images, or one image's. */
export function maskRows(mask: unknown, n: number, height: number, width: number): tf.Tensor2D {
  const d = height * width;
  if (!(mask instanceof tf.Tensor) || mask.isDisposed) {
    throw new PcaError(
      `reconstructOccluded: expected a mask tensor (1 visible, 0 hidden), got ${mask instanceof tf.Tensor ? 'a disposed tensor' : typeof mask}`,
    );
  }
  const size = mask.size;
  if (size !== d && size !== n * d) {
    throw new PcaError(
      `reconstructOccluded: expected a mask of ${d} pixels (${height}×${width}) or one per image (${n * d}), got shape ${shapeText(mask.shape)}`,
    );
  }
  return tf.tidy(() => tf.cast(tf.reshape(mask, [size / d, d]), 'float32') as tf.Tensor2D);
}
