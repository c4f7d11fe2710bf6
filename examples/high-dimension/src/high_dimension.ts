import type { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Seed 000, "random vectors in high dimension": two independent N(0, I) vectors X, Y in Rⁿ — or two points
 * drawn uniformly from the unit sphere — are nearly orthogonal once n is large. Their cosine similarity
 * has mean 0 and standard deviation 1/√n, so it piles up ever closer to 0; in two or three dimensions it
 * is spread over all of [−1, 1]. (The cosine only sees directions, and a Gaussian's direction is uniform on
 * the sphere: both kinds give the same distribution — the Gaussian's length, meanwhile, concentrates at
 * √n, the other half of the phenomenon.)
 */

export type Kind = 'gaussian' | 'sphere';

export interface Row {
  readonly n: number;
  readonly kind: Kind;
  /** Cosine similarities of the pairs. */
  readonly cosines: Float32Array;
  readonly meanAbs: number;
  readonly std: number;
  /** ‖X‖/√n averaged over the pairs (1 for the sphere by construction, → 1 for Gaussians as n grows). */
  readonly normOverSqrtN: number;
}

/** Cosine similarities of `pairs` random pairs in Rⁿ, computed on the active tfjs backend. */
export function cosineSimilarities(rng: Rng, n: number, pairs: number, kind: Kind): Row {
  const { cosines, norms } = tf.tidy(() => {
    let x = rng.randomNormal([pairs, n]);
    let y = rng.randomNormal([pairs, n]);
    const xNorm = tf.norm(x, 'euclidean', 1, true);
    if (kind === 'sphere') {
      // A normalised Gaussian is uniform on the unit sphere.
      x = tf.div(x, xNorm);
      y = tf.div(y, tf.norm(y, 'euclidean', 1, true));
    }
    const dot = tf.sum(tf.mul(x, y), 1);
    const cos = tf.div(dot, tf.mul(tf.norm(x, 'euclidean', 1), tf.norm(y, 'euclidean', 1)));
    const lengths = kind === 'sphere' ? tf.onesLike(dot) : tf.div(tf.squeeze(xNorm, [1]), Math.sqrt(n));
    return { cosines: cos.dataSync() as Float32Array, norms: lengths.dataSync() };
  });
  let sum = 0;
  let sumAbs = 0;
  let sumSq = 0;
  let sumNorm = 0;
  for (let i = 0; i < pairs; i++) {
    sum += cosines[i]!;
    sumAbs += Math.abs(cosines[i]!);
    sumSq += cosines[i]! ** 2;
    sumNorm += norms[i]!;
  }
  const mean = sum / pairs;
  return {
    n,
    kind,
    cosines,
    meanAbs: sumAbs / pairs,
    std: Math.sqrt(sumSq / pairs - mean * mean),
    normOverSqrtN: sumNorm / pairs,
  };
}

/** The rows as a plain-text table. */
export function table(rows: readonly Row[]): string {
  const lines = ['kind       n      mean|cos|   std(cos)   1/√n      ‖X‖/√n'];
  for (const r of rows) {
    lines.push(
      `${r.kind.padEnd(9)} ${String(r.n).padStart(5)}   ${r.meanAbs.toFixed(4).padStart(8)}   ${r.std.toFixed(4).padStart(8)}   ${(1 / Math.sqrt(r.n)).toFixed(4)}   ${r.normOverSqrtN.toFixed(4)}`,
    );
  }
  return lines.join('\n');
}

/** Counts of `values` in `bins` equal bins over [−1, 1]. */
export function histogram(values: Float32Array, bins: number): Int32Array {
  const counts = new Int32Array(bins);
  for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor(((v + 1) / 2) * bins)))]! += 1;
  return counts;
}

/**
 * One histogram panel per row, stacked vertically: a [height, width] grayscale image in [0, 1] (white
 * bars on black, a grey line at cosine 0), each panel scaled to its own tallest bar.
 */
export function histogramImage(
  rows: readonly Row[],
  { bins = 80, barWidth = 6, panelHeight = 60 } = {},
): tf.Tensor2D {
  const width = bins * barWidth;
  const gap = 4;
  const height = rows.length * (panelHeight + gap);
  const pixels = new Float32Array(width * height);
  rows.forEach((row, p) => {
    const counts = histogram(row.cosines, bins);
    const tallest = Math.max(...counts, 1);
    const top = p * (panelHeight + gap);
    for (let b = 0; b < bins; b++) {
      const bar = Math.round((counts[b]! / tallest) * panelHeight);
      for (let y = panelHeight - bar; y < panelHeight; y++) {
        for (let x = b * barWidth; x < (b + 1) * barWidth - 1; x++) pixels[(top + y) * width + x] = 1;
      }
    }
    for (let y = 0; y < panelHeight; y++) {
      const i = (top + y) * width + width / 2;
      if (pixels[i] === 0) pixels[i] = 0.4;
    }
  });
  return tf.tensor2d(pixels, [height, width]);
}
