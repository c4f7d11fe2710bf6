import { expectNoLeaks, Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { applyQTransposed } from './apply_q';
import { disposeFactor, householderQR, type QRFactor } from './qr';

/** Q = Π (I − V T Vᵀ) over the panels, multiplied out in float64 on the host (m×m, row-major). */
function hostQ(f: QRFactor): Float64Array {
  const { m } = f;
  let q = new Float64Array(m * m);
  for (let i = 0; i < m; i++) q[i * m + i] = 1;
  for (const panel of f.panels) {
    const [b] = panel.vt.shape;
    const v = panel.vt.dataSync();
    const t = panel.t.dataSync();
    // H = I − Vᵀᵀ T Vᵀ; q ← q H.
    const h = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let r = 0; r < b; r++)
          for (let c = 0; c < b; c++) s += v[r * m + i]! * t[r * b + c]! * v[c * m + j]!;
        h[i * m + j] = (i === j ? 1 : 0) - s;
      }
    }
    const next = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      for (let l = 0; l < m; l++) {
        const x = q[i * m + l]!;
        if (x !== 0) for (let j = 0; j < m; j++) next[i * m + j] = next[i * m + j]! + x * h[l * m + j]!;
      }
    }
    q = next;
  }
  return q;
}

describe('applyQTransposed', () => {
  it.each([
    [120, 80],
    [90, 90],
    [50, 110],
  ])(
    'applies Q and Qᵀ of a %i×%i factorization panel by panel on the columns each reaches, as the dense product',
    async (m, n) => {
      const rng = new Rng(m * n);
      const a = rng.randomNormal([m, n]) as tf.Tensor2D;
      const f = householderQR(a);
      expect(f.panels.map((p) => p.offset)).toEqual(f.panels.map((_, i) => 32 * i));
      const q = hostQ(f);
      const xt = rng.randomNormal([5, m]) as tf.Tensor2D;
      const x = xt.dataSync();
      const qtx = await expectNoLeaks(() => applyQTransposed(f, xt, true));
      const qx = await expectNoLeaks(() => applyQTransposed(f, xt, false));
      // Row r of (Qᵀ X)ᵀ is Qᵀ x_r, of (Q X)ᵀ is Q x_r.
      let worst = 0;
      const [got1, got2] = [qtx.dataSync(), qx.dataSync()];
      for (let r = 0; r < 5; r++) {
        for (let i = 0; i < m; i++) {
          let s1 = 0;
          let s2 = 0;
          for (let l = 0; l < m; l++) {
            s1 += q[l * m + i]! * x[r * m + l]!;
            s2 += q[i * m + l]! * x[r * m + l]!;
          }
          worst = Math.max(worst, Math.abs(got1[r * m + i]! - s1), Math.abs(got2[r * m + i]! - s2));
        }
      }
      expect(worst).toBeLessThan(1e-4);
      disposeFactor(f);
      tf.dispose([a, xt, qtx, qx]);
    },
  );

  it('skips a panel whose reflectors start past the end and returns a copy when none is left', () => {
    const xt = tf.tensor2d([[1, 2, 3]]);
    const panel = { vt: tf.zeros([1, 3]) as tf.Tensor2D, t: tf.ones([1, 1]) as tf.Tensor2D, offset: 3 };
    const y = applyQTransposed({ panels: [panel] }, xt, false);
    expect(y).not.toBe(xt);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    tf.dispose([xt, y, panel.vt, panel.t]);
  });
});
