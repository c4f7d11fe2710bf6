import { hostParallel, hostPoolRuns } from './host_pool';

/**
 * A few WebAssembly functions, assembled here at run time, that work in place on the wasm backend's own
 * memory. Fused elementwise loops are the one thing neither tfjs' kernels (one pass over memory each) nor
 * JavaScript loops (~5–20 ns an element on this project's machines, no SIMD) do well: these run with
 * 128-bit SIMD at memory speed. The encoder covers only the instructions the functions below use; the
 * numbers are the opcodes of the WebAssembly 2.0 binary format.
 */

/** Value types. */
export const i32 = 0x7f;
export const f32 = 0x7d;
export const f64 = 0x7c;
export const v128 = 0x7b;
type ValueType = typeof i32 | typeof f32 | typeof f64 | typeof v128;

/** Unsigned LEB128. */
const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};

/** Signed LEB128 (i32). */
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
};

const simd = (code: number) => [0xfd, ...uleb(code)];

/** The instructions used, as byte sequences. */
export const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)],
  f32: (x: number) => {
    const bytes = new DataView(new ArrayBuffer(4));
    bytes.setFloat32(0, x, true);
    return [0x43, ...new Uint8Array(bytes.buffer)];
  },
  f64: (x: number) => {
    const bytes = new DataView(new ArrayBuffer(8));
    bytes.setFloat64(0, x, true);
    return [0x44, ...new Uint8Array(bytes.buffer)];
  },
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Load: (offset = 0) => [0x28, 2, ...uleb(offset)],
  /** i32.store of [address, value] at address + `offset`, 4-byte aligned hint. */
  i32Store: (offset = 0) => [0x36, 2, ...uleb(offset)],
  /** [a, b, condition] → condition ? a : b. */
  select: [0x1b],
  i32LtU: [0x49],
  i32GtS: [0x4a],
  i32Ne: [0x47],
  i32Eqz: [0x45],
  i32Eq: [0x46],
  i32And: [0x71],
  i32ShrU: [0x76],
  /** `loop` … `brIf(0)` … `end`: a do-while; nested loops branch to depth 0 (innermost) and up. */
  loop: [0x03, 0x40],
  /** `block` … `end`: `brIf(0)` inside jumps past its end. */
  block: [0x02, 0x40],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  end: [0x0b],
  f32Eq: [0x5b],
  f64Eq: [0x61],
  f64Add: [0xa0],
  f64Mul: [0xa2],
  f64PromoteF32: [0xbb],
  f64Load: (offset = 0) => [0x2b, 3, ...uleb(offset)],
  /** f64.store at the address on the stack plus `offset`, 8-byte aligned hint. */
  f64Store: (offset = 0) => [0x39, 3, ...uleb(offset)],
  /** f32.load / f32.store at the address on the stack plus `offset`, 4-byte aligned hint. */
  f32Load: (offset = 0) => [0x2a, 2, ...uleb(offset)],
  f32Store: (offset = 0) => [0x38, 2, ...uleb(offset)],
  /** v128.load / store at the address on the stack plus `offset`, 16-byte aligned hint. */
  load: (offset = 0) => [...simd(0x00), 4, ...uleb(offset)],
  store: (offset = 0) => [...simd(0x0b), 4, ...uleb(offset)],
  /** v128.load64_splat: one f64 at the address on the stack plus `offset`, in both lanes. */
  load64Splat: (offset = 0) => [...simd(0x0a), 3, ...uleb(offset)],
  /** v128.load32_splat: one f32 at the address on the stack plus `offset`, in every lane. */
  loadSplat: (offset = 0) => [...simd(0x09), 2, ...uleb(offset)],
  /** i8x16.shuffle of the two vectors on the stack, by 32-bit lanes: 0–3 the first, 4–7 the second. */
  shuffle32: (lanes: readonly [number, number, number, number]) => [
    ...simd(0x0d),
    ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]),
  ],
  splat: simd(0x13),
  sqrt: simd(0xe3),
  add: simd(0xe4),
  sub: simd(0xe5),
  mul: simd(0xe6),
  div: simd(0xe7),
  gt: simd(0x44),
  /** f32x4.max: NaN if either lane is NaN. */
  max: simd(0xe9),
  and: simd(0x4e),
  /** a & ~b */
  andnot: simd(0x4f),
  or: simd(0x50),
  /** (a & mask) | (b & ~mask), for a, b, mask on the stack */
  bitselect: simd(0x52),
  /** f64x2 from the two low f32 lanes. */
  promoteLow: simd(0x5f),
  /** f64x2 with the f64 on the stack in both lanes. */
  f64x2Splat: simd(0x14),
  f64x2Add: simd(0xf0),
  f64x2Sub: simd(0xf1),
  f64x2Mul: simd(0xf2),
  /** One f64 lane of an f64x2. */
  f64x2Lane: (lane: number) => [...simd(0x21), lane],
} as const;

/** A function: parameters, further locals (numbered after the parameters) and body instructions. */
export interface WasmFunction {
  readonly params: readonly ValueType[];
  readonly locals: readonly ValueType[];
  readonly body: readonly (readonly number[])[];
}

const vec = (items: readonly (readonly number[])[]) => [...uleb(items.length), ...items.flat()];
const name = (s: string) => vec([...s].map((c) => [c.charCodeAt(0)]));
const section = (id: number, items: readonly (readonly number[])[]) => {
  const bytes = vec(items);
  return [id, ...uleb(bytes.length), ...bytes];
};

/**
 * The binary of a module importing `env.memory` (shared or not, as the memory it will get) and exporting
 * `functions` by name, none returning a value.
 */
export function assemble(functions: Record<string, WasmFunction>, shared: boolean): Uint8Array<ArrayBuffer> {
  const entries = Object.entries(functions);
  // Shared memories must declare a maximum: the largest possible, so any memory fits the import.
  const limits = shared ? [0x03, ...uleb(0), ...uleb(65536)] : [0x00, ...uleb(0)];
  const body = (f: WasmFunction) => {
    const code = [...vec(f.locals.map((t) => [1, t])), ...f.body.flat(), ...op.end];
    return [...uleb(code.length), ...code];
  };
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(
      1,
      entries.map(([, f]) => [0x60, ...vec(f.params.map((t) => [t])), 0]),
    ),
    ...section(2, [[...name('env'), ...name('memory'), 0x02, ...limits]]),
    ...section(
      3,
      entries.map((_, i) => uleb(i)),
    ),
    ...section(
      7,
      entries.map(([n], i) => [...name(n), 0x00, ...uleb(i)]),
    ),
    ...section(
      10,
      entries.map(([, f]) => body(f)),
    ),
  ]);
}

/** The memory of tfjs' wasm backend module: imported by its threaded build, exported by the other. */
export function backendMemory(backend: unknown): WebAssembly.Memory | undefined {
  const module = (backend as { wasm?: { wasmMemory?: unknown; asm?: { memory?: unknown } } }).wasm;
  const memory = module?.wasmMemory ?? module?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

/** A function with a SIMD instruction: whether the engine validates it tells whether it has SIMD. */
const PROBE: WasmFunction = { params: [f32], locals: [v128], body: [op.get(0), op.splat, op.set(1)] };

/** Per backend memory: whether its engine has SIMD, and the instances made on it, by function table. */
const instances = new WeakMap<WebAssembly.Memory, { simd: boolean; made: Map<object, unknown> }>();

/**
 * Instantiates `functions` (a constant table: it keys the cache) on the memory of `backend` (tfjs' wasm
 * backend), once per memory; `undefined` where there is none or the engine lacks SIMD (callers fall back
 * to tfjs ops or JavaScript). A module that fails to compile otherwise is a bug here, and throws.
 */
export function instantiateOn<T>(backend: unknown, functions: Record<string, WasmFunction>): T | undefined {
  const memory = backendMemory(backend);
  if (!memory) return undefined;
  const shared = () => typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  let state = instances.get(memory);
  if (!state) {
    state = { simd: WebAssembly.validate(assemble({ probe: PROBE }, shared())), made: new Map() };
    instances.set(memory, state);
  }
  if (!state.simd) return undefined;
  if (!state.made.has(functions)) {
    const module = new WebAssembly.Module(assemble(functions, shared()));
    state.made.set(functions, new WebAssembly.Instance(module, { env: { memory } }).exports);
  }
  return state.made.get(functions) as T;
}

/** Host-side kernels on a memory of their own: {@link instantiateOwn}'s result. */
export interface OwnKernels<T> {
  readonly exports: T;
  /** Shared with the host pool's worker threads where they run (Node). Growing it detaches earlier views (unshared). */
  readonly memory: WebAssembly.Memory;
  /**
   * Calls the export `name` once per argument list (i32 arguments), spread over the host pool's threads and
   * this one; returns when every call has finished. The calls must write disjoint memory. Where no pool
   * runs (browsers, one core) they run here in turn; results never depend on which.
   */
  parallel(name: keyof T & string, calls: readonly (readonly number[])[]): void;
}

/** Per function table: its kernels on a memory of their own, or `null` where the engine lacks SIMD. */
const own = new Map<object, OwnKernels<unknown> | null>();

/**
 * Instantiates `functions` (a constant table: it keys the cache) once, on a memory of their own rather than
 * a backend's: host-side kernels for any backend (linear algebra's sequential steps), which `parallel`
 * also runs on worker threads (host_pool.ts). `undefined` where the engine lacks WebAssembly SIMD (callers
 * keep their JavaScript).
 */
export function instantiateOwn<T>(functions: Record<string, WasmFunction>): OwnKernels<T> | undefined {
  if (!own.has(functions)) {
    const simd = typeof WebAssembly === 'object' && WebAssembly.validate(assemble({ probe: PROBE }, false));
    let kernels: OwnKernels<unknown> | null = null;
    if (simd) {
      const shared = hostPoolRuns();
      // A shared memory must declare its maximum: wasm32's 4 GiB, reserved but not committed.
      const memory = new WebAssembly.Memory(shared ? { initial: 1, maximum: 65536, shared } : { initial: 1 });
      const module = new WebAssembly.Module(assemble(functions, shared));
      const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
      kernels = { exports, memory, parallel: hostParallel(shared ? module : undefined, memory, exports) };
    }
    own.set(functions, kernels);
  }
  return (own.get(functions) ?? undefined) as OwnKernels<T> | undefined;
}
