// `pnpm svd-image`: the SVD of a generated image and its rank-k reconstructions as PNGs (seed 000).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ready, writeImage } from '@cnn/core';
import { rankKReconstructions, testImage } from './image_svd';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'svd-image' } } });
await ready();
await mkdir(values.out, { recursive: true });
const x = testImage();
await writeImage(join(values.out, 'original.png'), x);
for (const r of rankKReconstructions(x, [1, 5, 20, 50])) {
  const file = join(values.out, `rank-${r.k}.png`);
  await writeImage(file, r.image);
  console.log(
    `rank ${String(r.k).padStart(2)}: relative error ${r.error.toFixed(4)} (σ predicts ${r.predicted.toFixed(4)})  ${file}`,
  );
  r.image.dispose();
}
x.dispose();
