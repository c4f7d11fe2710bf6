import { Rng, ready } from '@cnn/core';
import { lstsq, pinv, qr, svd } from '@cnn/linalg';
import * as tf from '@tensorflow/tfjs-core';
import { report, time, timeEach } from './report';

/**
 * The shapes, with LAPACK's (numpy, float32) seconds on this machine for the ratio, and the
 * largest size the accuracy targets name (2000×2000: no ratio, timed once — numpy's time for it
 * swings too much on the shared machine to quote as a constant).
 */
const SHAPES: readonly [number, number, number | undefined][] = [
  [400, 4096, 0.28],
  [1000, 784, 0.17],
  [2000, 500, 0.09],
  [1024, 1024, 0.37],
  [2000, 2000, undefined],
];

/** Shapes with more work (m·n·min(m, n)) than this run once, without a warm-up. */
const LARGE_WORK = 2e9;

/** cpu runs a shape only if the last one it ran predicts (by m·n·min(m,n)) no more than this. */
const CPU_BUDGET_SECONDS = 60;

const maxAbs = (x: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(x)).dataSync()[0]!);

function svdAccuracy(a: tf.Tensor2D, u: tf.Tensor, s: tf.Tensor, v: tf.Tensor) {
  return tf.tidy(() => {
    const back = tf.matMul(tf.mul(u, tf.expandDims(s, 0)), v, false, true);
    const k = s.shape[0]!;
    const eye = tf.eye(k);
    return {
      reconstruction: tf.norm(tf.sub(a, back)).dataSync()[0]! / tf.norm(a).dataSync()[0]!,
      uOrthogonality: maxAbs(tf.sub(tf.matMul(u as tf.Tensor2D, u as tf.Tensor2D, true, false), eye)),
      vOrthogonality: maxAbs(tf.sub(tf.matMul(v as tf.Tensor2D, v as tf.Tensor2D, true, false), eye)),
    };
  });
}

/**
 * Seconds and accuracy of `svd` on the four shapes (Gaussian matrices), then `lstsq` (each
 * method) and `pinv` on 2000×500, and `qr` of 10,000×784, per backend.
 */
export async function linalg(backends: string[]): Promise<void> {
  for (const backend of backends) {
    await ready({ backend });
    const runs = backend === 'cpu' ? 1 : 3;
    const warmup = backend === 'cpu' ? 0 : 1;
    let secondsPerWork: number | undefined;
    for (const [m, n, lapack] of SHAPES) {
      const shape = `${m}x${n}`;
      const work = m * n * Math.min(m, n);
      if (backend === 'cpu' && secondsPerWork !== undefined && secondsPerWork * work > CPU_BUDGET_SECONDS) {
        console.log(
          `# linalg: svd ${shape} skipped on cpu: predicted ${(secondsPerWork * work).toFixed(0)} s > budget ${CPU_BUDGET_SECONDS} s`,
        );
        continue;
      }
      const a = new Rng(m + n).randomNormal([m, n]) as tf.Tensor2D;
      const seconds = await time(
        async () => {
          const r = svd(a);
          await r.s.data();
          tf.dispose([r.u, r.s, r.v]);
        },
        work > LARGE_WORK ? { warmup: 0, runs: 1 } : { warmup, runs },
      );
      secondsPerWork = seconds / work;
      report({ bench: 'linalg-svd', backend, shape, value: seconds, unit: 's' });
      if (lapack !== undefined) {
        report({ bench: 'linalg-svd', backend, shape, value: seconds / lapack, unit: '× LAPACK' });
      }
      const r = svd(a);
      const acc = svdAccuracy(a, r.u, r.s, r.v);
      report({ bench: 'linalg-svd', backend, shape, value: acc.reconstruction, unit: '‖A−USVᵀ‖/‖A‖' });
      report({ bench: 'linalg-svd', backend, shape, value: acc.uOrthogonality, unit: 'max|UᵀU−I|' });
      report({ bench: 'linalg-svd', backend, shape, value: acc.vOrthogonality, unit: 'max|VᵀV−I|' });
      tf.dispose([a, r.u, r.s, r.v]);
    }
    await solvers(backend, warmup, runs);
    if (backend === 'cpu') {
      console.log('# linalg: qr 10000x784 skipped on cpu (minutes)');
    } else {
      await tallQR(backend);
    }
  }
}

/**
 * `qr` of a tall 10,000 × 784 matrix (PCA's full solver on MNIST factors such a matrix): both factors,
 * and R alone (`mode: 'r'`), alternated so that a drifting machine load slows both alike; with the
 * orthogonality of Q and ‖A − QR‖/‖A‖.
 */
async function tallQR(backend: string): Promise<void> {
  const [m, n] = [10000, 784];
  const a = new Rng(1).randomNormal([m, n]) as tf.Tensor2D;
  const [both, rOnly] = await timeEach(
    [
      async () => {
        const { q, r } = qr(a);
        await q.data();
        tf.dispose([q, r]);
      },
      async () => {
        const { r } = qr(a, { mode: 'r' });
        await r.data();
        r.dispose();
      },
    ],
    { warmup: 0, runs: 3 },
  );
  const shape = `${m}x${n}`;
  report({ bench: 'linalg-qr', backend, shape, mode: 'qr', value: both!, unit: 's' });
  report({ bench: 'linalg-qr', backend, shape, mode: 'r', value: rOnly!, unit: 's' });
  const { q, r } = qr(a);
  const [orthogonality, reconstruction] = tf.tidy(() => [
    maxAbs(tf.sub(tf.matMul(q as tf.Tensor2D, q as tf.Tensor2D, true, false), tf.eye(n))),
    tf.norm(tf.sub(a, tf.matMul(q, r))).dataSync()[0]! / tf.norm(a).dataSync()[0]!,
  ]);
  report({ bench: 'linalg-qr', backend, shape, value: orthogonality!, unit: 'max|QᵀQ−I|' });
  report({ bench: 'linalg-qr', backend, shape, value: reconstruction!, unit: '‖A−QR‖/‖A‖' });
  tf.dispose([a, q, r]);
}

/** lstsq (each method) and pinv on 2000×500, with the residual's orthogonality to col(A). */
async function solvers(backend: string, warmup: number, runs: number): Promise<void> {
  const [m, n] = [2000, 500];
  const rng = new Rng(7);
  const a = rng.randomNormal([m, n]) as tf.Tensor2D;
  const b = rng.randomNormal([m, 1]) as tf.Tensor2D;
  for (const method of ['qr', 'svd', 'normal'] as const) {
    const seconds = await time(
      async () => {
        const r = lstsq(a, b, { method });
        await r.x.data();
        tf.dispose([r.x, r.residuals, r.s]);
      },
      { warmup, runs },
    );
    report({ bench: 'linalg-lstsq', backend, shape: `${m}x${n}`, method, value: seconds, unit: 's' });
    const r = lstsq(a, b, { method });
    const orthogonality = tf.tidy(() => {
      const residual = tf.sub(b, tf.matMul(a, r.x));
      return (
        maxAbs(tf.matMul(a, residual, true, false)) /
        (tf.norm(a).dataSync()[0]! * tf.norm(residual).dataSync()[0]!)
      );
    });
    report({
      bench: 'linalg-lstsq',
      backend,
      shape: `${m}x${n}`,
      method,
      value: orthogonality,
      unit: 'max|Aᵀr|/(‖A‖‖r‖)',
    });
    tf.dispose([r.x, r.residuals, r.s]);
  }
  const seconds = await time(
    async () => {
      const p = pinv(a);
      await p.data();
      p.dispose();
    },
    { warmup, runs },
  );
  report({ bench: 'linalg-pinv', backend, shape: `${m}x${n}`, value: seconds, unit: 's' });
  const penrose = tf.tidy(() => {
    const p = pinv(a);
    return maxAbs(tf.sub(tf.matMul(tf.matMul(a, p), a), a)) / maxAbs(a);
  });
  report({ bench: 'linalg-pinv', backend, shape: `${m}x${n}`, value: penrose, unit: 'max|AA⁺A−A|/max|A|' });
  tf.dispose([a, b]);
}
