import * as tf from '@tensorflow/tfjs-core';

/** One panel's reflectors in compact WY form, on the backend: Q_p = I − V T Vᵀ. */
export interface Panel {
  /** Vᵀ: the b reflectors as rows of length m, zero before `offset`. */
  readonly vt: tf.Tensor2D;
  /** T, b×b upper triangular. */
  readonly t: tf.Tensor2D;
  /**
   * The first index at which any of the panel's reflectors is nonzero: Q_p is the identity outside
   * [offset, m), so applying it touches only those columns of a transposed matrix. Panels of one
   * factorization come in increasing offset.
   */
  readonly offset: number;
}

/**
 * How far a panel's offset may move past the part of the matrix being updated before that part is cut
 * (Qᵀ) or grown (Q) to match it, as a fraction of its width: each cut or growth is one more pass over
 * the part (a slice or a concat, ~6 ms on 784 × 10,000 on wasm against ~50 ms for a panel's two
 * products), while columns carried along unneeded cost products on zeros (at most this fraction).
 */
const SLACK = 1 / 8;

/** x − (x V) op(T) Vᵀ for x = a transposed part whose columns start at `start` (its last m − start). */
function reflect(x: tf.Tensor2D, panel: Panel, start: number, transposeT: boolean): tf.Tensor2D {
  return tf.tidy(() => {
    const m = panel.vt.shape[1];
    const b = panel.vt.shape[0];
    const vt = start === 0 ? panel.vt : tf.slice(panel.vt, [0, start], [b, m - start]);
    const w = tf.matMul(tf.matMul(x, vt, false, true), panel.t, false, transposeT);
    return tf.sub(x, tf.matMul(w, vt));
  });
}

/**
 * Applies Q (or Qᵀ when `transpose`) to a matrix given transposed: returns (Q X)ᵀ for xt = Xᵀ (r×m). Two
 * products per panel plus one of the panel's width, all with the long axis inside the backend's kernel.
 * Each panel only works on the columns of xt from (about) its offset on: the finished columns are cut off
 * as the offsets grow (Qᵀ, first panel to last), and the columns a panel reaches are taken in as they
 * shrink (Q, last panel to first) — LAPACK's dormqr on a shrinking (or growing) block. Each step's
 * result is freed as soon as the next exists: a tidy around the loop would keep every intermediate of
 * xt's size alive at once (2 GB for a 2000×2000 back-transformation).
 */
export function applyQTransposed(
  f: { readonly panels: readonly Panel[] },
  xt: tf.Tensor2D,
  transpose: boolean,
): tf.Tensor2D {
  // A panel whose reflectors all start past the end (eigh's last, of order 1) is the identity.
  const m = xt.shape[1];
  const panels = f.panels.filter((p) => p.offset < m);
  if (panels.length === 0) return tf.clone(xt);
  return transpose ? applyForward(panels, xt) : applyBackward(panels, xt);
}

/** Keeps `next`, disposing `current` unless it is the caller's `keep`. */
function replace(current: tf.Tensor2D, next: tf.Tensor2D, keep: tf.Tensor2D): tf.Tensor2D {
  if (current !== keep && current !== next) current.dispose();
  return next;
}

/** Qᵀ: panels first to last; the columns before each offset are final once it is reached. */
function applyForward(panels: readonly Panel[], xt: tf.Tensor2D): tf.Tensor2D {
  const [r, m] = xt.shape;
  const done: tf.Tensor2D[] = [];
  let cur = xt;
  let start = 0;
  for (const panel of panels) {
    const cut = panel.offset - start;
    if (cut > 0 && cut >= SLACK * (m - start)) {
      done.push(tf.slice(cur, [0, 0], [r, cut]));
      cur = replace(cur, tf.slice(cur, [0, cut], [r, m - panel.offset]), xt);
      start = panel.offset;
    }
    cur = replace(cur, reflect(cur, panel, start, false), xt);
  }
  if (done.length === 0) return cur === xt ? tf.clone(xt) : cur;
  const out = tf.concat([...done, cur], 1) as tf.Tensor2D;
  tf.dispose(done);
  if (cur !== xt) cur.dispose();
  return out;
}

/**
 * Where to start a part that must reach index `offset` of an axis of length `size`: further back, to the
 * smallest offset of the panels still to come that lies within the slack, so that the next few need no
 * growth of their own.
 */
function growTo(panels: readonly Panel[], index: number, size: number): number {
  const offset = panels[index]!.offset;
  const reach = offset - SLACK * (size - offset);
  let start = offset;
  for (let i = index - 1; i >= 0 && panels[i]!.offset >= reach; i--) start = panels[i]!.offset;
  return start;
}

/** Q: panels last to first; the columns before each offset are untouched until it is reached. */
function applyBackward(panels: readonly Panel[], xt: tf.Tensor2D): tf.Tensor2D {
  const [r, m] = xt.shape;
  let cur: tf.Tensor2D | undefined;
  let start = m;
  for (let i = panels.length - 1; i >= 0; i--) {
    const panel = panels[i]!;
    if (panel.offset < start) {
      const from = growTo(panels, i, m);
      const part = tf.slice(xt, [0, from], [r, start - from]) as tf.Tensor2D;
      if (cur === undefined) {
        cur = part;
      } else {
        const grown = tf.concat([part, cur], 1) as tf.Tensor2D;
        tf.dispose([part, cur]);
        cur = grown;
      }
      start = from;
    }
    const next = reflect(cur!, panel, start, true);
    cur!.dispose();
    cur = next;
  }
  if (start === 0) return cur!;
  return tf.tidy(() => tf.concat([tf.slice(xt, [0, 0], [r, start]), cur!], 1) as tf.Tensor2D);
}

/**
 * The first `cols` columns of Q = Q₀Q₁…, m × cols, as LAPACK's dorgqr forms them: from the last panel to
 * the first on the identity's columns, where panel p (offset o) meets only rows o.. of Q's columns o..
 * — the earlier columns are still eᵢ, zero from o on. The part worked on grows from the bottom-right
 * corner, so forming Q costs about half of applying Q to a full identity.
 */
export function formQ(
  f: { readonly m: number; readonly panels: readonly Panel[] },
  cols: number,
): tf.Tensor2D {
  const m = f.m;
  const panels = f.panels.filter((p) => p.offset < m);
  // block = Qᵀ[start:cols, start:m]; rows above it are eᵢ, and columns before it of its rows are zero.
  let block: tf.Tensor2D | undefined;
  let start = cols;
  for (let i = panels.length - 1; i >= 0; i--) {
    const panel = panels[i]!;
    if (panel.offset < start) {
      // The block's short side (Q's columns) decides: growing it adds a row and a column per step.
      const from = growTo(panels, i, Math.min(cols, m));
      const grown = tf.tidy(() => {
        const top = tf.eye(start - from, m - from) as tf.Tensor2D;
        return block === undefined
          ? top
          : tf.concat(
              [
                top,
                tf.pad(block, [
                  [0, 0],
                  [start - from, 0],
                ]),
              ],
              0,
            );
      }) as tf.Tensor2D;
      block?.dispose();
      block = grown;
      start = from;
    }
    const next = reflect(block!, panel, start, true);
    block!.dispose();
    block = next;
  }
  if (block === undefined) return tf.eye(m, cols) as tf.Tensor2D;
  const inner = block;
  const q = tf.tidy(() => {
    const qt =
      start === 0
        ? inner
        : tf.concat(
            [
              tf.eye(start, m),
              tf.pad(inner, [
                [0, 0],
                [start, 0],
              ]),
            ],
            0,
          );
    return tf.transpose(qt) as tf.Tensor2D;
  });
  inner.dispose();
  return q;
}
