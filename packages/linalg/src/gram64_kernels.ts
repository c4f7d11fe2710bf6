import { f32, f64, i32, op, v128, type WasmFunction } from '@cnn/core';

/**
 * The two steps of gram64 for one block of rows, in WebAssembly and, line for line, in JavaScript (engines
 * without SIMD, and the tests' reference: both add the same products in the same order, so they agree bit
 * for bit). Addresses are in bytes in one memory: G (f×f float64) at 0, the block's rows (float32), and:
 *
 * - `scan` finds, for a chunk of rows, each row's runs of consecutive nonzero columns in each band of
 *   {@link BAND} columns. A run is three i32: 8·first column, length, address of its first value. A table
 *   holds per row and band the [begin, end) addresses of its runs. Each chunk also sums its columns
 *   (float64), into sums of its own.
 * - `bandPair` adds, row after row, the products of the nonzeros of band bi with those of band bj ≥ bi into
 *   G's tile of those bands (its upper triangle when bi = bj), two columns a step in float64x2. Tiles of
 *   distinct pairs are disjoint, so pairs may run on different threads; each tile's sums stay in row order.
 */
export const BAND = 128;
/**
 * Zero columns a run may span: products with them add exact zeros, which cost less than starting a run
 * (MNIST's strokes have short gaps within a line of the image).
 */
const GAP = 4;

const step = (local: number, bytes: number) => [op.get(local), op.i32(bytes), op.i32Add, op.set(local)];
const countdown = (local: number) => [op.get(local), op.i32(1), op.i32Sub, op.tee(local)];

/**
 * G[dst + 8i] += va · x[src + 4i] for i < len, for one row of G or two at once (the next column's: one load
 * of x for four multiply-adds), inline (a call a segment took the whole sum from ~350 to ~650 ms on MNIST,
 * one core). Each row names its `dst` (consumed), `va` (f64) and `vv` (va in both lanes) locals; `from`,
 * `len` and the rest are bandPair's locals.
 */
const addSegment = (rows: readonly (readonly [dst: number, va: number, vv: number])[]) => [
  ...[op.get(T.len), op.i32(1), op.i32ShrU, op.set(T.pairs)],
  op.block, // pairs of columns, if any
  ...[op.get(T.pairs), op.i32Eqz, op.brIf(0)],
  op.loop,
  ...[op.get(T.from), op.load64Splat(), op.promoteLow, op.set(T.x)],
  ...rows.flatMap(([dst, , vv]) => [
    ...[op.get(dst), op.get(dst), op.load(), op.get(vv), op.get(T.x), op.f64x2Mul, op.f64x2Add, op.store()],
    ...step(dst, 16),
  ]),
  ...[...step(T.from, 8), ...countdown(T.pairs), op.brIf(0), op.end],
  op.end,
  op.block, // the last column, if the length is odd
  ...[op.get(T.len), op.i32(1), op.i32And, op.i32Eqz, op.brIf(0)],
  ...[op.get(T.from), op.f32Load(), op.f64PromoteF32, op.set(T.xs)],
  ...rows.flatMap(([dst, va]) => [
    ...[op.get(dst), op.get(dst), op.f64Load(), op.get(va), op.get(T.xs), op.f64Mul, op.f64Add],
    op.f64Store(),
  ]),
  op.end,
];

// bandPair(g, f, table, rows, bands, bi, bj). Run by run of band bj, then nonzero by nonzero of band bi
// (those of runs up to this one, bi = bj): the same segment for every nonzero, so that the branch
// predictor can learn its length, where a segment per nonzero of varying length mispredicts its exit.
const P = { g: 0, f: 1, at: 2, rows: 3, bands: 4, bi: 5, bj: 6 };
const Q = { a0: 7, aEnd: 8, b: 9, bEnd: 10, a: 11, aLast: 12, col: 13, src: 14, left: 15, row: 16 };
const R = { qCol: 17, qLen: 18, qSrc: 19 };
const T = {
  dst: 20,
  from: 21,
  len: 22,
  pairs: 23,
  dst2: 24,
  va: 25,
  va2: 26,
  xs: 27,
  vv: 28,
  vv2: 29,
  x: 30,
};
const BAND_PAIR: WasmFunction = {
  params: Array(7).fill(i32),
  locals: [...Array(18).fill(i32), f64, f64, f64, v128, v128, v128],
  body: [
    ...[op.get(P.at), op.get(P.bi), op.i32(8), op.i32Mul, op.i32Add, op.set(P.at)],
    op.loop, // rows
    op.block, // skipped when either band has no nonzero
    ...[op.get(P.at), op.i32Load(), op.tee(Q.a0), op.get(P.at), op.i32Load(4), op.tee(Q.aEnd)],
    ...[op.i32Eq, op.brIf(0), op.get(P.at), op.get(P.bj), op.get(P.bi), op.i32Sub, op.i32(8), op.i32Mul],
    ...[op.i32Add, op.tee(Q.b), op.i32Load(4), op.set(Q.bEnd), op.get(Q.b), op.i32Load(), op.tee(Q.b)],
    ...[op.get(Q.bEnd), op.i32Eq, op.brIf(0)],
    op.loop, // runs of band bj
    ...[op.get(Q.b), op.i32Load(), op.set(R.qCol), op.get(Q.b), op.i32Load(4), op.set(R.qLen)],
    ...[op.get(Q.b), op.i32Load(8), op.set(R.qSrc), op.get(Q.a0), op.set(Q.a)],
    ...[op.get(Q.b), op.i32(12), op.i32Add, op.get(Q.aEnd), op.get(P.bi), op.get(P.bj), op.i32Eq],
    ...[op.select, op.set(Q.aLast)],
    op.loop, // runs of band bi
    ...[op.get(Q.a), op.i32Load(), op.set(Q.col), op.get(Q.a), op.i32Load(4), op.set(Q.left)],
    ...[op.get(Q.a), op.i32Load(8), op.set(Q.src)],
    op.block,
    op.loop, // their nonzeros: G's row of this column gets va times the run (from this column, same run)
    ...[op.get(Q.left), op.i32Eqz, op.brIf(1)],
    op.block, // two nonzeros at once, both against all of another run
    ...[op.get(Q.a), op.get(Q.b), op.i32Eq, op.brIf(0), op.get(Q.left), op.i32(1), op.i32Eq, op.brIf(0)],
    ...[op.get(Q.src), op.f32Load(), op.f64PromoteF32, op.tee(T.va), op.f64x2Splat, op.set(T.vv)],
    ...[op.get(Q.src), op.f32Load(4), op.f64PromoteF32, op.tee(T.va2), op.f64x2Splat, op.set(T.vv2)],
    ...[
      op.get(P.g),
      op.get(Q.col),
      op.get(P.f),
      op.i32Mul,
      op.i32Add,
      op.get(R.qCol),
      op.i32Add,
      op.tee(T.dst),
    ],
    ...[op.get(P.f), op.i32(8), op.i32Mul, op.i32Add, op.set(T.dst2), op.get(R.qSrc), op.set(T.from)],
    ...[
      op.get(R.qLen),
      op.set(T.len),
      ...addSegment([
        [T.dst, T.va, T.vv],
        [T.dst2, T.va2, T.vv2],
      ]),
    ],
    ...[...step(Q.col, 16), ...step(Q.src, 8), op.get(Q.left), op.i32(2), op.i32Sub, op.set(Q.left)],
    ...[op.i32(1), op.brIf(1)],
    op.end,
    op.block, // skipped for a zero within the run
    ...[op.get(Q.src), op.f32Load(), op.f64PromoteF32, op.tee(T.va), op.f64(0), op.f64Eq, op.brIf(0)],
    ...[op.get(T.va), op.f64x2Splat, op.set(T.vv)],
    ...[op.get(P.g), op.get(Q.col), op.get(P.f), op.i32Mul, op.i32Add, op.set(Q.row)],
    op.block, // the same run: from this column on
    ...[op.get(Q.a), op.get(Q.b), op.i32Ne, op.brIf(0)],
    ...[op.get(Q.row), op.get(Q.col), op.i32Add, op.set(T.dst), op.get(Q.src), op.set(T.from)],
    ...[op.get(Q.left), op.set(T.len), ...addSegment([[T.dst, T.va, T.vv]])],
    op.end,
    op.block, // another run: all of it
    ...[op.get(Q.a), op.get(Q.b), op.i32Eq, op.brIf(0)],
    ...[op.get(Q.row), op.get(R.qCol), op.i32Add, op.set(T.dst), op.get(R.qSrc), op.set(T.from)],
    ...[op.get(R.qLen), op.set(T.len), ...addSegment([[T.dst, T.va, T.vv]])],
    op.end,
    op.end,
    ...[...step(Q.col, 8), ...step(Q.src, 4), ...step(Q.left, -1), op.i32(1), op.brIf(0), op.end],
    op.end,
    ...[...step(Q.a, 12), op.get(Q.a), op.get(Q.aLast), op.i32Ne, op.brIf(0), op.end],
    ...[...step(Q.b, 12), op.get(Q.b), op.get(Q.bEnd), op.i32Ne, op.brIf(0), op.end],
    op.end,
    ...[op.get(P.at), op.get(P.bands), op.i32(8), op.i32Mul, op.i32Add, op.set(P.at)],
    ...[...countdown(P.rows), op.brIf(0), op.end],
  ],
};

// scan(x, f, bands, rows, table, runs, sums).
const C = { x: 0, f: 1, bands: 2, rows: 3, table: 4, runs: 5, sums: 6 };
const D = { j: 7, end: 8, last: 9, first: 10, run: 11, at: 12, v: 13 };
const SCAN: WasmFunction = {
  params: Array(7).fill(i32),
  locals: [...Array(6).fill(i32), f32],
  body: [
    op.loop, // rows
    ...[op.i32(0), op.set(D.j)],
    op.loop, // bands
    ...[op.get(C.table), op.get(C.runs), op.i32Store()],
    ...[op.get(D.j), op.i32(BAND), op.i32Add, op.get(C.f), op.get(D.j), op.i32(BAND), op.i32Add, op.get(C.f)],
    ...[op.i32LtU, op.select, op.set(D.end), op.get(D.j), op.i32(GAP + 2), op.i32Sub, op.set(D.last)],
    op.loop, // columns
    op.block, // past a nonzero
    ...[op.get(C.x), op.f32Load(), op.tee(D.v), op.f32(0), op.f32Eq, op.brIf(0)],
    op.block, // a run begins, unless the last nonzero is at most GAP columns back
    ...[op.get(D.j), op.get(D.last), op.i32Sub, op.i32(GAP + 1), op.i32GtS, op.i32Eqz, op.brIf(0)],
    ...[op.get(C.runs), op.tee(D.run), op.get(D.j), op.tee(D.first), op.i32(8), op.i32Mul, op.i32Store()],
    ...[op.get(D.run), op.get(C.x), op.i32Store(8), ...step(C.runs, 12)],
    op.end,
    ...[op.get(D.run), op.get(D.j), op.i32(1), op.i32Add, op.get(D.first), op.i32Sub, op.i32Store(4)],
    ...[
      op.get(C.sums),
      op.get(D.j),
      op.i32(8),
      op.i32Mul,
      op.i32Add,
      op.tee(D.at),
      op.get(D.at),
      op.f64Load(),
    ],
    ...[op.get(D.v), op.f64PromoteF32, op.f64Add, op.f64Store(), op.get(D.j), op.set(D.last)],
    op.end,
    ...[...step(C.x, 4), ...step(D.j, 1), op.get(D.j), op.get(D.end), op.i32Ne, op.brIf(0), op.end],
    ...[op.get(C.table), op.get(C.runs), op.i32Store(4), ...step(C.table, 8)],
    ...[op.get(D.j), op.get(C.f), op.i32Ne, op.brIf(0), op.end],
    ...[...countdown(C.rows), op.brIf(0), op.end],
  ],
};

export type Gram64Exports = {
  scan(x: number, f: number, bands: number, rows: number, table: number, runs: number, sums: number): void;
  bandPair(g: number, f: number, table: number, rows: number, bands: number, bi: number, bj: number): void;
};
export const GRAM64_FUNCTIONS = { bandPair: BAND_PAIR, scan: SCAN };

/** Typed views of one memory, for the JavaScript twins. */
const views = (heap: ArrayBufferLike) => ({
  int: new Int32Array(heap),
  float: new Float32Array(heap),
  double: new Float64Array(heap),
});

/** `scan` in JavaScript (the same arguments, after the memory; `rows` ≥ 1). */
export function scanJs(
  heap: ArrayBufferLike,
  ...[x, f, , rows, table, runs, sums]: Parameters<Gram64Exports['scan']>
): void {
  const { int, float, double } = views(heap);
  let [run, first] = [0, 0];
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < f; table += 8) {
      int[table >> 2] = runs;
      let last = j - (GAP + 2);
      for (const end = Math.min(j + BAND, f); j < end; j++, x += 4) {
        const v = float[x >> 2]!;
        if (v === 0) continue;
        if (j - last > GAP + 1) {
          [int[runs >> 2], int[(runs >> 2) + 2]] = [8 * j, x];
          [run, first] = [runs, j];
          runs += 12;
        }
        int[(run >> 2) + 1] = j + 1 - first;
        double[(sums >> 3) + j]! += v;
        last = j;
      }
      int[(table >> 2) + 1] = runs;
    }
  }
}

/** `bandPair` in JavaScript (the same arguments, after the memory; `rows` ≥ 1). */
export function bandPairJs(
  heap: ArrayBufferLike,
  ...[g, f, table, rows, bands, bi, bj]: Parameters<Gram64Exports['bandPair']>
): void {
  const { int, float, double } = views(heap);
  const segment = (dst: number, src: number, len: number, va: number) => {
    for (let i = 0; i < len; i++) double[(dst >> 3) + i]! += va * float[(src >> 2) + i]!;
  };
  for (let r = 0, at = table + 8 * bi; r < rows; r++, at += 8 * bands) {
    const [aBegin, aEnd] = [int[at >> 2]!, int[(at >> 2) + 1]!];
    const bAt = at + 8 * (bj - bi);
    const [bBegin, bEnd] = [int[bAt >> 2]!, int[(bAt >> 2) + 1]!];
    if (aBegin === aEnd || bBegin === bEnd) continue;
    for (let b = bBegin; b < bEnd; b += 12) {
      const [qCol, qLen, qSrc] = [int[b >> 2]!, int[(b >> 2) + 1]!, int[(b >> 2) + 2]!];
      for (let a = aBegin; a < (bi === bj ? b + 12 : aEnd); a += 12) {
        let [col, left, src] = [int[a >> 2]!, int[(a >> 2) + 1]!, int[(a >> 2) + 2]!];
        for (; left > 0; col += 8, src += 4, left--) {
          const va = float[src >> 2]!;
          if (va === 0) continue;
          const row = g + col * f;
          if (a === b) segment(row + col, src, left, va);
          else segment(row + qCol, qSrc, qLen, va);
        }
      }
    }
  }
}
