// `pnpm start`: the high-dimension phenomenon of seed 000 as a table and a histogram PNG.
import { parseArgs } from 'node:util';
import { Rng, ready, writeImage } from '@cnn/core';
import { cosineSimilarities, histogramImage, type Row, table } from './high_dimension';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'high-dimension.png' },
    pairs: { type: 'string', default: '2000' },
    backend: { type: 'string', default: 'auto' },
  },
});
const { backend } = await ready({ backend: values.backend });
const rng = new Rng(0);
const rows: Row[] = [];
for (const kind of ['gaussian', 'sphere'] as const) {
  for (const n of [2, 3, 10, 100, 1000, 5000])
    rows.push(cosineSimilarities(rng, n, Number(values.pairs), kind));
}
console.log(`cosine similarity of ${values.pairs} random pairs (backend ${backend})\n`);
console.log(table(rows));
const image = histogramImage(rows.filter((r) => r.kind === 'gaussian'));
await writeImage(values.out, image);
image.dispose();
console.log(`\nhistograms over [−1, 1], n = 2, 3, 10, 100, 1000, 5000 top to bottom: ${values.out}`);
