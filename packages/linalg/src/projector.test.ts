import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { orthogonalityError, withSingularValues } from '../test/helpers';
import { project, projector } from './projector';
import { nullSpace, orth } from './subspaces';

const maxAbs = (x: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(x)).dataSync()[0]!);
const sq = (x: tf.Tensor) => tf.tidy(() => tf.sum(tf.square(x)).dataSync()[0]!);

describe('projector, project, orth and nullSpace', () => {
  const rng = new Rng(21);
  const x = withSingularValues(rng, 30, 8, [3, 2, 2, 1, 0.5]).a; // rank 5 in R^30

  it('P = U Uᵀ is idempotent and symmetric', async () => {
    const p = await expectNoLeaks(() => projector(x));
    expect(maxAbs(tf.sub(tf.matMul(p, p), p))).toBeLessThan(1e-5);
    expect(maxAbs(tf.sub(p, tf.transpose(p)))).toBeLessThan(1e-6);
    // trace(P) = rank(X) = 5
    expect(tf.tidy(() => tf.sum(tf.mul(p, tf.eye(30))).dataSync()[0]!)).toBeCloseTo(5, 4);
    p.dispose();
  });

  it('project(x, t) equals P t, leaves t − P t orthogonal to col(X) and obeys Pythagoras', async () => {
    const t = rng.randomNormal([30, 4]);
    const pt = await expectNoLeaks(() => project(x, t));
    const p = projector(x);
    expect(maxAbs(tf.sub(pt, tf.matMul(p, t)))).toBeLessThan(1e-5);
    const rest = tf.sub(t, pt);
    expect(maxAbs(tf.matMul(x, rest, true, false))).toBeLessThan(1e-4);
    expect(Math.abs(sq(t) - sq(pt) - sq(rest)) / sq(t)).toBeLessThan(1e-5);
    const v = project(x, tf.tensor1d(Array.from({ length: 30 }, (_, i) => i)));
    expect(v.shape).toEqual([30]);
    tf.dispose([t, pt, p, rest, v]);
  });

  it('orth spans col(X) and nullSpace spans its complement in the row space', async () => {
    const q = await expectNoLeaks(() => orth(x));
    expect(q.shape).toEqual([30, 5]);
    expect(orthogonalityError(q)).toBeLessThan(1e-5);
    const z = await expectNoLeaks(() => nullSpace(x));
    expect(z.shape).toEqual([8, 3]);
    expect(orthogonalityError(z)).toBeLessThan(1e-5);
    expect(maxAbs(tf.matMul(x, z))).toBeLessThan(1e-5);
    tf.dispose([q, z]);
  });
});
