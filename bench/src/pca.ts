import { hostThreads, Rng, ready } from '@cnn/core';
import { mnistEmbedded } from '@cnn/datasets';
import { PCA } from '@cnn/pca';
import * as tf from '@tensorflow/tfjs-core';
import { report, time } from './report';

/** scikit-learn's seconds for the same PCA on this machine (issue 6). */
const SKLEARN: Partial<Record<Solver, number>> = { randomized: 0.15, full: 0.5 };

type Solver = 'randomized' | 'covariance_eigh' | 'full';

/** cpu runs the other solvers only if the randomized one took less than this. */
const CPU_RANDOMIZED_BUDGET_SECONDS = 6;

/** The digits as they are (81% zeros: the sparse route), or with noise in [0, 1e-3) on every pixel (dense). */
type Data = 'mnist' | 'mnist+noise';

/**
 * PCA of the 10,000 embedded MNIST digits (784 features, bytes scaled to [0, 1]) to 50 components, with the
 * randomized and the full solver: seconds per fit, the ratio to scikit-learn, and how far the randomized
 * explained variances are from the full ones. The digits as they are take `@cnn/pca`'s route for tall
 * sparse data (a float64 Gram matrix); the same digits with faint noise on every pixel, the dense one.
 */
export async function pca(backends: string[]): Promise<void> {
  for (const data of ['mnist', 'mnist+noise'] as const) await pcaOf(data, backends);
}

async function pcaOf(data: Data, backends: string[]): Promise<void> {
  const digits = await mnistEmbedded();
  const [n] = digits.shape;
  const noise = new Rng(1);
  const pixels = Float32Array.from(
    digits.images,
    (v) => v / 255 + (data === 'mnist' ? 0 : 1e-3 * noise.uniform()),
  );
  let skipCpuFull = false;
  for (const backend of backends) {
    await ready({ backend });
    // The host kernels' threads (the Gram route's float64 sums) up before anything is timed.
    const threads = await hostThreads();
    const x = tf.tensor2d(pixels, [n, 784]);
    const variances: Partial<Record<Solver, Float32Array>> = {};
    for (const solver of ['randomized', 'covariance_eigh', 'full'] as const) {
      if (
        backend === 'cpu' &&
        solver !== 'randomized' &&
        (variances.randomized === undefined || skipCpuFull)
      ) {
        console.log(
          `# pca: ${solver} skipped on cpu: the randomized solver took over ${CPU_RANDOMIZED_BUDGET_SECONDS} s`,
        );
        continue;
      }
      // The exact SVD takes tens of seconds: one timed run.
      const slow = backend === 'cpu' || solver === 'full';
      const runs = slow ? 1 : 5;
      const seconds = await time(
        async () => {
          const model = new PCA({ nComponents: 50, solver }).fit(x);
          variances[solver] = (await model.explainedVariance.data()) as Float32Array;
          model.dispose();
        },
        // Warm (as scikit-learn's figures, taken with timeit): the first fits of a process compile its loops.
        { warmup: slow ? 0 : 3, runs },
      );
      if (backend === 'cpu' && solver === 'randomized') skipCpuFull = seconds > CPU_RANDOMIZED_BUDGET_SECONDS;
      const detail = { bench: 'pca', backend, solver, data, shape: `${n}x784`, k: 50 };
      report({ ...detail, hostThreads: threads, value: seconds, unit: 's' });
      const sklearn = SKLEARN[solver];
      if (sklearn !== undefined) report({ ...detail, value: seconds / sklearn, unit: '× sklearn' });
    }
    const { full } = variances;
    for (const solver of ['randomized', 'covariance_eigh'] as const) {
      const other = variances[solver];
      if (full === undefined || other === undefined) continue;
      let worst = 0;
      let sums = [0, 0];
      for (let i = 0; i < 50; i++) {
        worst = Math.max(worst, Math.abs(other[i]! - full[i]!) / full[i]!);
        sums = [sums[0]! + other[i]!, sums[1]! + full[i]!];
      }
      const figure = { bench: 'pca', backend, solver, data, shape: `${n}x784`, k: 50 };
      report({ ...figure, value: worst, unit: 'max rel. diff. of explained variances from full' });
      report({
        ...figure,
        value: sums[0]! / sums[1]! - 1,
        unit: 'rel. diff. of Σ explained variance from full',
      });
    }
    x.dispose();
  }
}
