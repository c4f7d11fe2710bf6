import { i32, instantiateOwn, op, v128, type WasmFunction } from '@cnn/core';

/**
 * The two vector loops of a tridiagonalization panel (LAPACK's dlatrd) — per column, bringing the column and
 * the new w up to date with the panel's earlier reflectors — as WebAssembly SIMD on float64 pairs. In
 * JavaScript these loops ran at ~1.5–3 ns a multiply-add, as long as the symmetric product itself. Both
 * read the panel's vectors as rows: V_s at row 2s and W_s at row 2s + 1 of one matrix M, so that every
 * update is one loop over M's first `terms` rows.
 *
 * Entries are taken in blocks of 8 from `from` rounded down to a multiple of 8, and rows are padded with
 * zeros to a multiple of 8: the few entries before `from` that a block also touches are ones the caller
 * never reads (and stay finite), and the padding adds zero.
 */

// combine(y, m, coef, terms, rowBytes, blocks): y[k] −= Σ_t m_t[k] · coef[t], k in blocks of 8.
const [Y, M, COEF, TERMS, ROW, BLOCKS] = [0, 1, 2, 3, 4, 5];
const [P, C, T, A0] = [6, 7, 8, 9];
const S = 13; // after the four accumulators A0 + q
const quads = [0, 1, 2, 3];

const COMBINE: WasmFunction = {
  params: [i32, i32, i32, i32, i32, i32],
  locals: [i32, i32, i32, v128, v128, v128, v128, v128],
  body: [
    op.loop, // blocks of 8 entries of y
    ...quads.flatMap((q) => [op.get(Y), op.load(16 * q), op.set(A0 + q)]),
    ...[op.get(M), op.set(P), op.get(COEF), op.set(C), op.get(TERMS), op.set(T)],
    op.loop, // the terms
    ...[op.get(C), op.load64Splat(), op.set(S)],
    ...quads.flatMap((q) => [
      ...[op.get(A0 + q), op.get(P), op.load(16 * q), op.get(S), op.f64x2Mul, op.f64x2Sub, op.set(A0 + q)],
    ]),
    ...[op.get(P), op.get(ROW), op.i32Add, op.set(P), op.get(C), op.i32(8), op.i32Add, op.set(C)],
    ...[op.get(T), op.i32(1), op.i32Sub, op.tee(T), op.brIf(0), op.end],
    ...quads.flatMap((q) => [op.get(Y), op.get(A0 + q), op.store(16 * q)]),
    ...[op.get(Y), op.i32(64), op.i32Add, op.set(Y), op.get(M), op.i32(64), op.i32Add, op.set(M)],
    ...[op.get(BLOCKS), op.i32(1), op.i32Sub, op.tee(BLOCKS), op.brIf(0), op.end],
  ],
};

// dots(out, m, x, terms, rowBytes, blocks): out[t] = Σ_k m_t[k] · x[k], k in blocks of 8.
const [OUT, DM, X, DTERMS, DROW, DBLOCKS] = [0, 1, 2, 3, 4, 5];
const [Q, XP, B, D0] = [6, 7, 8, 9];

const DOTS: WasmFunction = {
  params: [i32, i32, i32, i32, i32, i32],
  locals: [i32, i32, i32, v128, v128, v128, v128],
  body: [
    op.loop, // the rows m_t
    ...quads.flatMap((q) => [op.f32(0), op.splat, op.set(D0 + q)]),
    ...[op.get(DM), op.set(Q), op.get(X), op.set(XP), op.get(DBLOCKS), op.set(B)],
    op.loop, // blocks of 8 entries
    ...quads.flatMap((q) => [
      ...[op.get(D0 + q), op.get(Q), op.load(16 * q), op.get(XP), op.load(16 * q), op.f64x2Mul, op.f64x2Add],
      op.set(D0 + q),
    ]),
    ...[op.get(Q), op.i32(64), op.i32Add, op.set(Q), op.get(XP), op.i32(64), op.i32Add, op.set(XP)],
    ...[op.get(B), op.i32(1), op.i32Sub, op.tee(B), op.brIf(0), op.end],
    ...[op.get(D0), op.get(D0 + 1), op.f64x2Add, op.get(D0 + 2), op.get(D0 + 3), op.f64x2Add, op.f64x2Add],
    op.set(D0),
    ...[op.get(OUT), op.get(D0), op.f64x2Lane(0), op.get(D0), op.f64x2Lane(1), op.f64Add, op.f64Store()],
    ...[op.get(OUT), op.i32(8), op.i32Add, op.set(OUT), op.get(DM), op.get(DROW), op.i32Add, op.set(DM)],
    ...[op.get(DTERMS), op.i32(1), op.i32Sub, op.tee(DTERMS), op.brIf(0), op.end],
  ],
};

type Exports = {
  combine(y: number, m: number, coef: number, terms: number, row: number, blocks: number): void;
  dots(out: number, m: number, x: number, terms: number, row: number, blocks: number): void;
};
const FUNCTIONS = { combine: COMBINE, dots: DOTS };

/**
 * One panel's float64 workspace and its loops. `heap` holds, at these indices: M (2b rows of `ld`: V_s at
 * row 2s, W_s at 2s + 1), from 0; the panel's columns P (b rows of `ld`) from `pAt`; coefficients (2b)
 * from `coefAt`; dot products (2b) from `outAt`. M and P start zeroed. Views are valid until the next
 * `panelKernels` call.
 */
export interface PanelKernels {
  readonly heap: Float64Array;
  readonly ld: number;
  readonly pAt: number;
  readonly coefAt: number;
  readonly outAt: number;
  /** heap[y + k] −= Σ_{t < terms} M[t][k] · heap[coefAt + t], for k from `from` (block-aligned) to ld. */
  combine(y: number, terms: number, from: number): void;
  /** heap[outAt + t] = Σ_k M[t][k] · heap[x + k] over k from `from` (block-aligned) to ld, t < terms. */
  dots(x: number, terms: number, from: number): void;
}

/**
 * The workspace for a panel of `b` columns of length `len`: WebAssembly SIMD where the engine has it (and
 * `simd` is not false), else the same loops in JavaScript.
 */
export function panelKernels(b: number, len: number, simd = true): PanelKernels {
  const ld = (len + 7) & ~7;
  const pAt = 2 * b * ld;
  const coefAt = pAt + b * ld;
  const outAt = coefAt + 2 * b;
  const size = outAt + 2 * b;
  const wasm = simd ? instantiateOwn<Exports>(FUNCTIONS) : undefined;
  if (!wasm) return jsKernels(new Float64Array(size), ld, pAt, coefAt, outAt);
  const { memory } = wasm;
  if (memory.buffer.byteLength < 8 * size) {
    memory.grow(Math.ceil((8 * size - memory.buffer.byteLength) / 65536));
  }
  const heap = new Float64Array(memory.buffer, 0, size).fill(0, 0, coefAt);
  const { combine, dots } = wasm.exports;
  return {
    heap,
    ld,
    pAt,
    coefAt,
    outAt,
    combine(y, terms, from) {
      const first = from & ~7;
      if (terms > 0 && first < ld)
        combine(8 * (y + first), 8 * first, 8 * coefAt, terms, 8 * ld, (ld - first) >> 3);
    },
    dots(x, terms, from) {
      const first = from & ~7;
      if (terms === 0) return;
      if (first >= ld) heap.fill(0, outAt, outAt + terms);
      else dots(8 * outAt, 8 * first, 8 * (x + first), terms, 8 * ld, (ld - first) >> 3);
    },
  };
}

/** The same loops in JavaScript, for engines without WebAssembly SIMD. */
function jsKernels(heap: Float64Array, ld: number, pAt: number, coefAt: number, outAt: number): PanelKernels {
  heap.fill(0, 0, coefAt);
  return {
    heap,
    ld,
    pAt,
    coefAt,
    outAt,
    combine(y, terms, from) {
      for (let t = 0; t < terms; t++) {
        const c = heap[coefAt + t]!;
        const row = t * ld;
        for (let k = from & ~7; k < ld; k++) heap[y + k] = heap[y + k]! - heap[row + k]! * c;
      }
    },
    dots(x, terms, from) {
      for (let t = 0; t < terms; t++) {
        let sum = 0;
        const row = t * ld;
        for (let k = from & ~7; k < ld; k++) sum += heap[row + k]! * heap[x + k]!;
        heap[outAt + t] = sum;
      }
    },
  };
}
