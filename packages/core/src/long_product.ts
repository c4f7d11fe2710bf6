import { i32, instantiateOn, op, v128, type WasmFunction } from './wasm_asm';

/**
 * C += A · B for a long inner dimension and a small result (A [M, K], B [K, N], K ≫ M, N; N a multiple
 * of 4) in WebAssembly SIMD on the wasm backend's memory: the filter gradient of a first layer, Pᵀ · dy
 * with Pᵀ [25, 50176] and dy [50176, 32] on MNIST. XNNPACK packs all of B (the size of dy) before such a
 * product and parallelises it poorly (18 ms on 2 threads for 80 MFLOP); this loop reads each value once
 * per tile on one thread. Tiles of 2 rows × up to 16 columns keep their sums in registers over a chunk
 * of K small enough that B's chunk stays in cache while every tile passes over it.
 */

// Parameters (addresses in bytes): A's two rows, B, C's two rows, steps to run, B's row stride.
const [A0, A1, B, C0, C1, COUNT, STRIDE] = [0, 1, 2, 3, 4, 5, 6];
const FIRST_LOCAL = 7;

/** A tile of 2 rows × 4·`vectors` columns: sums loaded from C, COUNT steps of K, sums stored back. */
function tile(vectors: number): WasmFunction {
  const acc = (row: number, j: number) => FIRST_LOCAL + row * vectors + j;
  const bv = (j: number) => FIRST_LOCAL + 2 * vectors + j;
  const splat = FIRST_LOCAL + 3 * vectors;
  const js = [...Array(vectors).keys()];
  const rows: [number, number][] = [
    [A0, C0],
    [A1, C1],
  ];
  return {
    params: [i32, i32, i32, i32, i32, i32, i32],
    locals: Array(3 * vectors + 1).fill(v128),
    body: [
      ...rows.flatMap(([, c], r) => js.flatMap((j) => [op.get(c), op.load(16 * j), op.set(acc(r, j))])),
      op.loop,
      ...js.flatMap((j) => [op.get(B), op.load(16 * j), op.set(bv(j))]),
      ...rows.flatMap(([a], r) => [
        ...[op.get(a), op.loadSplat(), op.set(splat)],
        ...js.flatMap((j) => [
          op.get(acc(r, j)),
          op.get(splat),
          op.get(bv(j)),
          op.mul,
          op.add,
          op.set(acc(r, j)),
        ]),
      ]),
      ...[A0, A1].flatMap((a) => [op.get(a), op.i32(4), op.i32Add, op.set(a)]),
      ...[op.get(B), op.get(STRIDE), op.i32Add, op.set(B)],
      ...[op.get(COUNT), op.i32(1), op.i32Sub, op.tee(COUNT), op.brIf(0), op.end],
      ...rows.flatMap(([, c], r) => js.flatMap((j) => [op.get(c), op.get(acc(r, j)), op.store(16 * j)])),
    ],
  };
}

type Tile = (
  a0: number,
  a1: number,
  b: number,
  c0: number,
  c1: number,
  count: number,
  stride: number,
) => void;
type Exports = Record<'t1' | 't2' | 't3' | 't4', Tile>;
const FUNCTIONS = { t1: tile(1), t2: tile(2), t3: tile(3), t4: tile(4) };

/** Steps of K a chunk: B's chunk (K_CHUNK · N floats) stays in L2 while all tiles read it. */
const K_CHUNK = 1024;

/**
 * Adds A · B to C, all views of the memory of `backend` (tfjs' wasm backend) holding row-major [m, k],
 * [k, n], [m, n]; `false` where the backend or engine cannot or n is not a multiple of 4, leaving the
 * work to the caller.
 */
export function addLongProduct(
  backend: unknown,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  k: number,
  n: number,
): boolean {
  const simd = instantiateOn<Exports>(backend, FUNCTIONS);
  if (!simd || n % 4 !== 0 || m * k * n === 0) return false;
  for (let k0 = 0; k0 < k; k0 += K_CHUNK) {
    const steps = Math.min(K_CHUNK, k - k0);
    for (let j0 = 0; j0 < n; j0 += 16) {
      const vectors = Math.min(4, (n - j0) / 4) as 1 | 2 | 3 | 4;
      const run = simd[`t${vectors}`];
      for (let i = 0; i < m; i += 2) {
        // An odd last row runs as both rows of its tile: the two sums start equal and stay equal.
        const i1 = Math.min(i + 1, m - 1);
        run(
          a.byteOffset + 4 * (i * k + k0),
          a.byteOffset + 4 * (i1 * k + k0),
          b.byteOffset + 4 * (k0 * n + j0),
          c.byteOffset + 4 * (i * n + j0),
          c.byteOffset + 4 * (i1 * n + j0),
          steps,
          4 * n,
        );
      }
    }
  }
  return true;
}
