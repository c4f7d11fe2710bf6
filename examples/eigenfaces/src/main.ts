// `pnpm start`: eigenfaces (seed 001) on synthetic faces — figures on stdout, pictures as PNGs in --out.
import { mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ready } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { eigenfacesDemo } from './demo';
import { writePictures } from './write';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'eigenfaces' },
    k: { type: 'string', default: '20' },
    people: { type: 'string', default: '20' },
    backend: { type: 'string', default: 'auto' },
  },
});
const { backend } = await ready({ backend: values.backend });
const r = eigenfacesDemo({ k: Number(values.k), people: Number(values.people) });
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
console.log(`eigenfaces of synthetic 24×24 faces, k = ${values.k} (backend ${backend})\n`);
console.log(
  `distance from face space, median: held-out faces ${r.distance.faces.toFixed(2)}, non-face patches ${r.distance.nonFaces.toFixed(2)}; ${pct(r.distance.facesBelowAllPatches)} of faces below every patch`,
);
console.log(
  `identification of held-out images: ${pct(r.identification.accuracy)} right (chance ${pct(r.identification.chance)}), ${pct(r.identification.unknown)} called unknown`,
);
console.log(
  `occluded eyes, RMS error on the hidden pixels: least squares on the visible ones ${r.occlusion.leastSquares.toFixed(3)}, projection of the masked image ${r.occlusion.projection.toFixed(3)}`,
);
const box = (b: { x: number; y: number; size: number }) =>
  `(${b.x.toFixed(0)}, ${b.y.toFixed(0)}) ${b.size.toFixed(0)}px`;
console.log(
  `locate, 3 scales, ${r.locate.seconds.toFixed(2)} s: faces at ${r.locate.truth.map(box).join(', ')}; found ${r.locate.found.map(box).join(', ')}`,
);
console.log(`track over 10 frames: largest error ${r.trackError.toFixed(1)} px`);
await mkdir(values.out, { recursive: true });
for (const path of await writePictures(values.out, r.pictures)) console.log(`  ${path}`);
tf.dispose(Object.values(r.pictures));
