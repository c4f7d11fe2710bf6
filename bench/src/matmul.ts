import { Rng, ready } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { report, time } from './report';

/** GFLOP/s of an n×n by n×n matMul (2n³ flops) on each backend; the ratio of each to the first. */
export async function matmul(backends: string[], sizes = [256, 512, 1024]): Promise<void> {
  const rates = new Map<string, number>();
  for (const backend of backends) {
    await ready({ backend });
    for (const n of sizes) {
      const rng = new Rng(n);
      const [a, b] = [rng.randomNormal([n, n]), rng.randomNormal([n, n])] as tf.Tensor2D[];
      const runs = backend === 'cpu' && n >= 1024 ? 1 : 5;
      const seconds = await time(
        async () => {
          const c = tf.matMul(a!, b!);
          await c.data();
          c.dispose();
        },
        { warmup: 1, runs },
      );
      tf.dispose([a!, b!]);
      const gflops = (2 * n ** 3) / seconds / 1e9;
      rates.set(`${backend}/${n}`, gflops);
      report({ bench: 'matmul', backend, n, value: gflops, unit: 'GFLOP/s' });
      const baseline = rates.get(`${backends[0]}/${n}`);
      if (backend !== backends[0] && baseline) {
        report({ bench: 'matmul', backend, n, value: gflops / baseline, unit: `× ${backends[0]}` });
      }
    }
  }
}
