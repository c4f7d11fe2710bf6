import { f64, i32, instantiateOwn, op, v128, type WasmFunction } from '@cnn/core';

/**
 * A few float64 rows and the level-1 steps Householder panels spend their O(len·b²) work in — dot
 * products, updates y ← y − α x of rows by one row (QR's panel), and y ← y − Σ c_k x_k of one row by
 * several (the tridiagonalization's panel, LAPACK's dlatrd) — from a start index to the end. In JavaScript
 * they run at ~1.5–3 ns a multiply-add; in WebAssembly SIMD (two f64 lanes, two accumulators, on a memory
 * of its own so that every backend gains) several times faster. Rows are padded with zeros to a multiple
 * of 4 entries, so the loops run whole groups of four to the end.
 */
export interface RowStore {
  /** The rows, row i at `i * ld`; entries from the caller's length to `ld` are zero and must stay so. */
  readonly data: Float64Array;
  readonly ld: number;
  /** out[k] = Σ data[a, l] · data[first + k, l] over l ≥ from, for k < count. */
  dots(a: number, first: number, count: number, from: number, out: Float64Array): void;
  /** data[first + k, l] −= alphas[k] · data[a, l] for l ≥ from, for k < count. */
  axpys(alphas: Float64Array, a: number, first: number, count: number, from: number): void;
  /** data[y, l] −= Σ_{k < count} coefs[k] · data[first + k, l] for l ≥ from. */
  combine(coefs: Float64Array, y: number, first: number, count: number, from: number): void;
}

// dots(v, x, stride, pairs, out): out[k] = Σ v·x_k over 2·pairs float64 entries, x_k = x + k·stride, k < 4.
// axpys(v, x, stride, pairs, a0..a3): x_k −= a_k v. Four rows a pass, so v is read once for four.
const [V, X, STRIDE, PAIRS, OUT] = [0, 1, 2, 3, 4];
const rows4 = [0, 1, 2, 3];
/** The address of row k: x + k · stride. */
const rowAt = (k: number) => [
  op.get(X),
  ...Array(k)
    .fill([op.get(STRIDE), op.i32Add])
    .flat(),
];
const advance = [op.get(V), op.i32(16), op.i32Add, op.set(V), op.get(X), op.i32(16), op.i32Add, op.set(X)];
const countdown = [op.get(PAIRS), op.i32(1), op.i32Sub, op.tee(PAIRS), op.brIf(0), op.end];

const SUMS = 5; // four zero-initialised f64x2 sums, then the current pair of v
const DOTS: WasmFunction = {
  params: [i32, i32, i32, i32, i32],
  locals: [v128, v128, v128, v128, v128],
  body: [
    op.loop,
    ...[op.get(V), op.load(), op.set(SUMS + 4)],
    ...rows4.flatMap((k) => [
      ...[op.get(SUMS + k), op.get(SUMS + 4), ...rowAt(k), op.load(), op.f64x2Mul, op.f64x2Add],
      op.set(SUMS + k),
    ]),
    ...advance,
    ...countdown,
    ...rows4.flatMap((k) => [
      ...[op.get(OUT), op.get(SUMS + k), op.f64x2Lane(0), op.get(SUMS + k), op.f64x2Lane(1), op.f64Add],
      op.f64Store(8 * k),
    ]),
  ],
};

const ALPHAS = 4; // a0..a3 are parameters 4..7; their splats locals 8..11, then the pair of v
const AXPYS: WasmFunction = {
  params: [i32, i32, i32, i32, f64, f64, f64, f64],
  locals: [v128, v128, v128, v128, v128],
  body: [
    ...rows4.flatMap((k) => [op.get(ALPHAS + k), op.f64x2Splat, op.set(ALPHAS + 4 + k)]),
    op.loop,
    ...[op.get(V), op.load(), op.set(ALPHAS + 8)],
    ...rows4.flatMap((k) => [
      ...[...rowAt(k), ...rowAt(k), op.load(), op.get(ALPHAS + 4 + k), op.get(ALPHAS + 8), op.f64x2Mul],
      ...[op.f64x2Sub, op.store()],
    ]),
    ...advance,
    ...countdown,
  ],
};

// combine(y, x, stride, quads, coefs, terms): y −= Σ_k coefs[k] x_k over 4·quads entries, x_k = x + k·stride.
const [Y, CX, CSTRIDE, QUADS, COEFS, TERMS] = [0, 1, 2, 3, 4, 5];
const [ROW, COEF, TERM, LO, HI, SPLAT] = [6, 7, 8, 9, 10, 11];
const COMBINE: WasmFunction = {
  params: [i32, i32, i32, i32, i32, i32],
  locals: [i32, i32, i32, v128, v128, v128],
  body: [
    op.loop, // groups of four entries of y
    ...[op.get(Y), op.load(), op.set(LO), op.get(Y), op.load(16), op.set(HI)],
    ...[op.get(CX), op.set(ROW), op.get(COEFS), op.set(COEF), op.get(TERMS), op.set(TERM)],
    op.loop, // the terms
    ...[op.get(COEF), op.load64Splat(), op.set(SPLAT)],
    ...[op.get(LO), op.get(ROW), op.load(), op.get(SPLAT), op.f64x2Mul, op.f64x2Sub, op.set(LO)],
    ...[op.get(HI), op.get(ROW), op.load(16), op.get(SPLAT), op.f64x2Mul, op.f64x2Sub, op.set(HI)],
    ...[
      op.get(ROW),
      op.get(CSTRIDE),
      op.i32Add,
      op.set(ROW),
      op.get(COEF),
      op.i32(8),
      op.i32Add,
      op.set(COEF),
    ],
    ...[op.get(TERM), op.i32(1), op.i32Sub, op.tee(TERM), op.brIf(0), op.end],
    ...[op.get(Y), op.get(LO), op.store(), op.get(Y), op.get(HI), op.store(16)],
    ...[op.get(Y), op.i32(32), op.i32Add, op.set(Y), op.get(CX), op.i32(32), op.i32Add, op.set(CX)],
    ...[op.get(QUADS), op.i32(1), op.i32Sub, op.tee(QUADS), op.brIf(0), op.end],
  ],
};

type Exports = {
  combine(y: number, x: number, stride: number, quads: number, coefs: number, terms: number): void;
  dots(v: number, x: number, stride: number, pairs: number, out: number): void;
  axpys(
    v: number,
    x: number,
    stride: number,
    pairs: number,
    a0: number,
    a1: number,
    a2: number,
    a3: number,
  ): void;
};
const FUNCTIONS = { dots: DOTS, axpys: AXPYS, combine: COMBINE };

/** Bytes before row 0: the four dot products, then one coefficient per row for `combine`. */
const base = (rows: number) => 32 + 16 * Math.ceil(rows / 2);

/** The JavaScript loops, on rows of exactly `len` entries. */
function jsRows(data: Float64Array, ld: number): RowStore {
  return {
    data,
    ld,
    dots(a, first, count, from, out) {
      for (let k = 0; k < count; k++) {
        const [ra, rb] = [a * ld, (first + k) * ld];
        let s = 0;
        for (let l = from; l < ld; l++) s += data[ra + l]! * data[rb + l]!;
        out[k] = s;
      }
    },
    axpys(alphas, a, first, count, from) {
      for (let k = 0; k < count; k++) {
        const [ra, rb, alpha] = [a * ld, (first + k) * ld, alphas[k]!];
        for (let l = from; l < ld; l++) data[rb + l] = data[rb + l]! - alpha * data[ra + l]!;
      }
    },
    combine(coefs, y, first, count, from) {
      combineJS(data, ld, coefs, y, first, count, from, ld);
    },
  };
}

/** data[y, l] −= Σ_k coefs[k] · data[first + k, l] for l in [from, to). */
function combineJS(
  data: Float64Array,
  ld: number,
  coefs: Float64Array,
  y: number,
  first: number,
  count: number,
  from: number,
  to: number,
): void {
  for (let k = 0; k < count; k++) {
    const [ry, rx, c] = [y * ld, (first + k) * ld, coefs[k]!];
    for (let l = from; l < to; l++) data[ry + l] = data[ry + l]! - c * data[rx + l]!;
  }
}

/**
 * `rows` rows of `len` entries (zeros), in WebAssembly memory where the engine has SIMD (`simd` false:
 * always JavaScript). The store is valid until the next call: each reuses the same memory.
 */
export function rowStore(rows: number, len: number, simd = true): RowStore {
  const wasm = simd ? instantiateOwn<Exports>(FUNCTIONS) : undefined;
  if (!wasm) return jsRows(new Float64Array(rows * len), len);
  const ld = (len + 3) & ~3;
  // Three zero rows past the end: the kernels always take four rows, the last group's extras among them.
  const BASE = base(rows);
  const bytes = BASE + 8 * (rows + 3) * ld;
  const { memory, exports } = wasm;
  if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
  new Float64Array(memory.buffer, BASE, (rows + 3) * ld).fill(0);
  const data = new Float64Array(memory.buffer, BASE, rows * ld);
  const sums = new Float64Array(memory.buffer, 0, 4);
  const coefficients = new Float64Array(memory.buffer, 32, rows);
  const at = (row: number, l: number) => BASE + 8 * (row * ld + l);
  // Entries up to the next multiple of 4 run here, the rest — whole groups of four — in WebAssembly.
  const aligned = (from: number) => Math.min((from + 3) & ~3, ld);
  return {
    data,
    ld,
    dots(a, first, count, from, out) {
      const head = aligned(from);
      for (let k = 0; k < count; k++) {
        const [ra, rb] = [a * ld, (first + k) * ld];
        let s = 0;
        for (let l = from; l < head; l++) s += data[ra + l]! * data[rb + l]!;
        out[k] = s;
      }
      if (head === ld) return;
      for (let g = 0; g < count; g += 4) {
        exports.dots(at(a, head), at(first + g, head), 8 * ld, (ld - head) >> 1, 0);
        for (let k = g; k < Math.min(g + 4, count); k++) out[k] = out[k]! + sums[k - g]!;
      }
    },
    axpys(alphas, a, first, count, from) {
      const head = aligned(from);
      for (let k = 0; k < count; k++) {
        const [ra, rb, alpha] = [a * ld, (first + k) * ld, alphas[k]!];
        for (let l = from; l < head; l++) data[rb + l] = data[rb + l]! - alpha * data[ra + l]!;
      }
      if (head === ld) return;
      // Rows past `count` in the last group take α = 0: x − 0·v leaves them as they are.
      const alpha = (k: number) => (k < count ? alphas[k]! : 0);
      for (let g = 0; g < count; g += 4) {
        const x = at(first + g, head);
        exports.axpys(
          at(a, head),
          x,
          8 * ld,
          (ld - head) >> 1,
          alpha(g),
          alpha(g + 1),
          alpha(g + 2),
          alpha(g + 3),
        );
      }
    },
    combine(coefs, y, first, count, from) {
      const head = aligned(from);
      combineJS(data, ld, coefs, y, first, count, from, head);
      if (head === ld || count === 0) return;
      coefficients.set(coefs.subarray(0, count));
      exports.combine(at(y, head), at(first, head), 8 * ld, (ld - head) >> 2, 32, count);
    },
  };
}
