import { f64, i32, instantiateOwn, op, v128, type WasmFunction } from '@cnn/core';

/**
 * A few float64 rows and the two level-1 steps a Householder panel spends its O(len·b²) work in — dot
 * products and updates y ← y − α x of one row by another, from a start index to the end. In JavaScript
 * they run at ~1.5–3 ns a multiply-add; in WebAssembly SIMD (two f64 lanes, two accumulators, on a memory
 * of its own so that every backend gains) several times faster. Rows are padded with zeros to a multiple
 * of 4 entries, so the loops run whole groups of four to the end.
 */
export interface RowStore {
  /** The rows, row i at `i * ld`; entries from the caller's length to `ld` are zero and must stay so. */
  readonly data: Float64Array;
  readonly ld: number;
  /** Σ data[a, l] · data[b, l] over l ≥ from. */
  dot(a: number, b: number, from: number): number;
  /** data[b, l] −= alpha · data[a, l] for l ≥ from. */
  axpy(alpha: number, a: number, b: number, from: number): void;
}

// dot(x, y, quads, out): out = Σ x·y over 4·quads float64 entries. axpy(x, y, quads, alpha): y −= alpha x.
const [X, Y, QUADS, OUT] = [0, 1, 2, 3];
const [S0, S1] = [4, 5];
const advance = [op.get(X), op.i32(32), op.i32Add, op.set(X), op.get(Y), op.i32(32), op.i32Add, op.set(Y)];
const countdown = [op.get(QUADS), op.i32(1), op.i32Sub, op.tee(QUADS), op.brIf(0), op.end];

const DOT: WasmFunction = {
  params: [i32, i32, i32, i32],
  locals: [v128, v128], // zero-initialised sums
  body: [
    op.loop,
    ...[op.get(S0), op.get(X), op.load(), op.get(Y), op.load(), op.f64x2Mul, op.f64x2Add, op.set(S0)],
    ...[op.get(S1), op.get(X), op.load(16), op.get(Y), op.load(16), op.f64x2Mul, op.f64x2Add, op.set(S1)],
    ...advance,
    ...countdown,
    ...[op.get(S0), op.get(S1), op.f64x2Add, op.set(S0)],
    ...[op.get(OUT), op.get(S0), op.f64x2Lane(0), op.get(S0), op.f64x2Lane(1), op.f64Add, op.f64Store()],
  ],
};

const AXPY: WasmFunction = {
  params: [i32, i32, i32, f64],
  locals: [v128],
  body: [
    ...[op.get(OUT), op.f64x2Splat, op.set(S0)],
    op.loop,
    ...[
      op.get(Y),
      op.get(Y),
      op.load(),
      op.get(S0),
      op.get(X),
      op.load(),
      op.f64x2Mul,
      op.f64x2Sub,
      op.store(),
    ],
    ...[op.get(Y), op.get(Y), op.load(16), op.get(S0), op.get(X), op.load(16), op.f64x2Mul, op.f64x2Sub],
    op.store(16),
    ...advance,
    ...countdown,
  ],
};

type Exports = {
  dot(x: number, y: number, quads: number, out: number): void;
  axpy(x: number, y: number, quads: number, alpha: number): void;
};
const FUNCTIONS = { dot: DOT, axpy: AXPY };

/** Byte address of row 0: the first 16 bytes hold the dot product's result. */
const BASE = 16;

/** The JavaScript loops, on rows of exactly `len` entries. */
function jsRows(data: Float64Array, ld: number): RowStore {
  return {
    data,
    ld,
    dot(a, b, from) {
      const [ra, rb] = [a * ld, b * ld];
      let s = 0;
      for (let l = from; l < ld; l++) s += data[ra + l]! * data[rb + l]!;
      return s;
    },
    axpy(alpha, a, b, from) {
      const [ra, rb] = [a * ld, b * ld];
      for (let l = from; l < ld; l++) data[rb + l] = data[rb + l]! - alpha * data[ra + l]!;
    },
  };
}

/**
 * `rows` rows of `len` entries (zeros), in WebAssembly memory where the engine has SIMD (`simd` false:
 * always JavaScript). The store is valid until the next call: each reuses the same memory.
 */
export function rowStore(rows: number, len: number, simd = true): RowStore {
  const wasm = simd ? instantiateOwn<Exports>(FUNCTIONS) : undefined;
  if (!wasm) return jsRows(new Float64Array(rows * len), len);
  const ld = (len + 3) & ~3;
  const bytes = BASE + 8 * rows * ld;
  const { memory, exports } = wasm;
  if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
  const data = new Float64Array(memory.buffer, BASE, rows * ld).fill(0);
  const out = new Float64Array(memory.buffer, 0, 1);
  return {
    data,
    ld,
    dot(a, b, from) {
      // Entries up to the next multiple of 4 here; the rest, whole groups of four, in WebAssembly.
      const [ra, rb] = [a * ld, b * ld];
      const head = Math.min((from + 3) & ~3, ld);
      let s = 0;
      for (let l = from; l < head; l++) s += data[ra + l]! * data[rb + l]!;
      if (head === ld) return s;
      exports.dot(BASE + 8 * (ra + head), BASE + 8 * (rb + head), (ld - head) >> 2, 0);
      return s + out[0]!;
    },
    axpy(alpha, a, b, from) {
      const [ra, rb] = [a * ld, b * ld];
      const head = Math.min((from + 3) & ~3, ld);
      for (let l = from; l < head; l++) data[rb + l] = data[rb + l]! - alpha * data[ra + l]!;
      if (head === ld) return;
      exports.axpy(BASE + 8 * (ra + head), BASE + 8 * (rb + head), (ld - head) >> 2, alpha);
    },
  };
}
