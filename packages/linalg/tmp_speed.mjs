import { Rng, ready } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { svd } from './dist/index.js';

await ready({ backend: process.argv[2] ?? 'wasm' });
for (const [m, n] of process.argv[3]
  ? [process.argv[3].split('x').map(Number)]
  : [
      [1000, 784],
      [2000, 500],
      [400, 4096],
      [1024, 1024],
    ]) {
  const a = new Rng(1).randomNormal([m, n]);
  for (let rep = 0; rep < 2; rep++) {
    const t0 = performance.now();
    const r = svd(a);
    r.s.dataSync();
    const t = performance.now() - t0;
    console.log(m, n, (t / 1000).toFixed(2), 's');
    tf.dispose([r.u, r.s, r.v]);
  }
}
