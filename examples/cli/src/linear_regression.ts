#!/usr/bin/env node
// Seed 002's first exercise: fit a line y = w·x + b to noisy points by gradient descent, and check it
// against the closed-form least-squares solution. `node dist/linear_regression.js` prints both and
// writes the points and both lines as an SVG.
import { writeFile } from 'node:fs/promises';
import { Rng, ready } from '@cnn/core';
import { Dense, Sequential, SGD } from '@cnn/layers';
import * as tf from '@tensorflow/tfjs-core';

export interface LineFit {
  readonly x: number[];
  readonly y: number[];
  /** The line gradient descent found. */
  readonly descent: { w: number; b: number };
  /** The least-squares line in closed form (normal equations in float64). */
  readonly exact: { w: number; b: number };
}

/** `n` points on y = 2x − 1 plus Gaussian noise (σ 0.3), x uniform in [−1, 1]; fitted both ways. */
export async function fitLine({ n = 100, epochs = 200, seed = 2 } = {}): Promise<LineFit> {
  const rng = new Rng(seed);
  const x = Array.from({ length: n }, () => rng.uniform(-1, 1));
  const y = x.map((v) => 2 * v - 1 + rng.normal(0, 0.3));
  const model = new Sequential([new Dense({ units: 1 })], { inputShape: [1], seed }).compile({
    optimizer: new SGD({ learningRate: 0.1 }),
    loss: 'meanSquaredError',
  });
  const xs = tf.tensor2d(x, [n, 1]);
  const ys = tf.tensor2d(y, [n, 1]);
  await model.fit({ x: xs, y: ys }, { epochs, batchSize: n, progress: false });
  const [w, b] = await Promise.all(model.weights.map(async (v) => (await v.variable.data())[0]!));
  tf.dispose([xs, ys]);
  model.compiled.optimizer.dispose();
  model.dispose();
  // Normal equations of [x 1]·[w b]ᵀ = y, solved in float64.
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  const sxy = x.reduce((s, v, i) => s + (v - mx) * (y[i]! - my), 0);
  const sxx = x.reduce((s, v) => s + (v - mx) ** 2, 0);
  const exactW = sxy / sxx;
  return { x, y, descent: { w: w!, b: b! }, exact: { w: exactW, b: my - exactW * mx } };
}

/** The points and the two lines as a small SVG plot. */
export function toSvg({ x, y, descent, exact }: LineFit): string {
  const px = (v: number) => (200 + v * 180).toFixed(1);
  const py = (v: number) => (200 - (v + 1) * 60).toFixed(1);
  const line = ({ w, b }: { w: number; b: number }, colour: string, dash = '') =>
    `<line x1="${px(-1)}" y1="${py(-w + b)}" x2="${px(1)}" y2="${py(w + b)}" stroke="${colour}" stroke-width="2" ${dash}/>`;
  const dots = x.map((v, i) => `<circle cx="${px(v)}" cy="${py(y[i]!)}" r="2.5" fill="#555"/>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400"><rect width="400" height="400" fill="white"/>${dots}${line(exact, '#1f77b4')}${line(descent, '#d62728', 'stroke-dasharray="6 4"')}<text x="10" y="20" font-family="sans-serif" font-size="12">least squares (blue), gradient descent (red, dashed)</text></svg>`;
}

async function main(): Promise<void> {
  const { backend } = await ready();
  const fit = await fitLine();
  console.log(`y = 2x − 1 + noise, 100 points, on ${backend}:`);
  console.log(`  gradient descent  w = ${fit.descent.w.toFixed(4)}, b = ${fit.descent.b.toFixed(4)}`);
  console.log(`  least squares     w = ${fit.exact.w.toFixed(4)}, b = ${fit.exact.b.toFixed(4)}`);
  await writeFile('linear-regression.svg', toSvg(fit));
  console.log('  plot: linear-regression.svg');
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
