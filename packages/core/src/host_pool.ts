import { platform } from '#platform';
import { CnnError } from './errors';

/**
 * Worker threads that run host-side WebAssembly kernels (those of `instantiateOwn`) alongside the calling
 * thread, on the same shared memory: in Node, where a thread may block on another (`Atomics.wait`); a
 * browser's main thread may not, so there every call runs on the calling thread.
 *
 * A `parallel` call is a list of independent calls of one exported function (i32 arguments only), which
 * must write disjoint memory. The threads claim them one at a time from a shared counter, the calling
 * thread too, so a worker that is still starting or busy elsewhere never holds the caller up: it simply
 * takes none. Which thread runs a call never changes what it computes. Control words, all atomic:
 * GEN the generation (one per batch of calls, 20 bits), CLAIM = generation << 12 | next call,
 * COUNT the calls of the batch, DONE those finished, FAILED the first that threw (−1 none),
 * TABLE and FN which function, ARITY its argument count. Arguments follow at ARGS.
 */
const [GEN, CLAIM, COUNT, DONE, FAILED, TABLE, FN, ARITY, ARGS] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
/** Calls a batch holds at most, and the mask of CLAIM's low 12 bits; longer lists go in several batches. */
const BATCH = 4095;
/** Arguments a call takes at most. */
const MAX_ARITY = 16;

// The worker: CommonJS, evaluated as given. It learns tables (module, memory, export names) and nothing
// else by message, read synchronously when a batch names a table it does not know yet.
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { control, port } = workerData;
const c = new Int32Array(control);
const tables = [];
const table = (id) => {
  while (tables[id] === undefined) {
    const message = receiveMessageOnPort(port);
    if (message === undefined) throw new Error('host pool: no table ' + id);
    const { id: at, module, memory, names } = message.message;
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
    tables[at] = names.map((name) => exports[name]);
  }
  return tables[id];
};
port.postMessage('started');
let seen = Atomics.load(c, ${GEN});
for (;;) {
  Atomics.wait(c, ${GEN}, seen);
  seen = Atomics.load(c, ${GEN});
  for (;;) {
    const v = Atomics.load(c, ${CLAIM});
    if (v >>> 12 !== seen || (v & ${BATCH}) >= Atomics.load(c, ${COUNT})) break;
    if (Atomics.compareExchange(c, ${CLAIM}, v, v + 1) !== v) continue;
    const i = v & ${BATCH};
    const arity = c[${ARITY}];
    try {
      const at = ${ARGS} + i * arity;
      table(c[${TABLE}])[c[${FN}]](...c.subarray(at, at + arity));
    } catch {
      Atomics.compareExchange(c, ${FAILED}, -1, i);
    }
    Atomics.add(c, ${DONE}, 1);
    Atomics.notify(c, ${DONE});
  }
}
`;

/** The pool of this process: its control words, and a port per worker to send tables. */
interface Pool {
  control: Int32Array;
  ports: { postMessage(message: unknown): void }[];
  tables: number;
  generation: number;
  /** Resolves to the workers that started. */
  started: Promise<number>;
}

let pool: Pool | null | undefined;
let threadsWanted: number | undefined;

/**
 * Sets how many threads host-side kernels (float64 linear algebra: `gram64` and the like) run on, the
 * calling one included: by default the cores this process may use, at most 4. The workers start with the
 * first host kernel, so call it before; afterwards it throws if the count would change. Threads never
 * change results, only speed.
 *
 * @example
 * ```ts
 * setHostThreads(1); // every host kernel on the calling thread
 * ```
 */
export function setHostThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new CnnError(`setHostThreads: expected a positive integer, got ${threads}`);
  }
  if (pool !== undefined && (pool?.ports.length ?? 0) + 1 !== threads) {
    throw new CnnError(
      `setHostThreads: the host pool already runs ${(pool?.ports.length ?? 0) + 1} threads; set it before the first host kernel`,
    );
  }
  threadsWanted = threads;
}

/** The pool, started on first use: `null` where workers cannot run (browsers, one core, no shared memory). */
function thePool(): Pool | null {
  if (pool !== undefined) return pool;
  const threads = Math.min(threadsWanted ?? Math.min(platform.cores(), 4), 64);
  const start = platform.startThread;
  if (threads < 2 || !start || typeof SharedArrayBuffer === 'undefined') {
    pool = null;
    return pool;
  }
  const control = new Int32Array(new SharedArrayBuffer(4 * (ARGS + BATCH * MAX_ARITY)));
  const starts: Promise<boolean>[] = [];
  const ports = Array.from({ length: threads - 1 }, () => {
    let started: (ok: boolean) => void = () => {};
    starts.push(new Promise((resolve) => (started = resolve)));
    return start(WORKER_SOURCE, control.buffer, started);
  });
  const started = Promise.all(starts).then((oks) => oks.filter(Boolean).length);
  pool = { control, ports, tables: 0, generation: 0, started };
  return pool;
}

/**
 * The threads host-side kernels run on, the calling one included, once the pool's workers have started
 * (they start with the first host kernel, or here): a benchmark awaits it before it times, a test to know
 * that calls can be spread. 1 where no pool runs.
 *
 * @example
 * ```ts
 * console.log(`host kernels on ${await hostThreads()} threads`);
 * ```
 */
export async function hostThreads(): Promise<number> {
  const p = thePool();
  return p ? 1 + (await p.started) : 1;
}

/** Whether own memories should be shared: where a pool runs. */
export const hostPoolRuns = (): boolean => thePool() !== null;

/**
 * Registers an instance's module and memory with the workers; returns `parallel` for its exports. With no
 * pool, `parallel` runs each call in turn here.
 */
export function hostParallel(
  module: WebAssembly.Module | undefined,
  memory: WebAssembly.Memory,
  exports: Record<string, unknown>,
): (name: string, calls: readonly (readonly number[])[]) => void {
  const names = Object.keys(exports);
  const p = module ? thePool() : null;
  const id = p ? p.tables++ : -1;
  if (p) for (const port of p.ports) port.postMessage({ id, module, memory, names });
  return (name, calls) => {
    const fn = exports[name] as ((...args: number[]) => void) | undefined;
    if (typeof fn !== 'function') throw new CnnError(`parallel: no exported function ${name}`);
    if (!p || calls.length < 2) {
      for (const args of calls) fn(...args);
      return;
    }
    for (let from = 0; from < calls.length; from += BATCH) {
      runBatch(p, id, names.indexOf(name), fn, calls.slice(from, from + BATCH));
    }
  };
}

function runBatch(
  p: Pool,
  table: number,
  index: number,
  fn: (...args: number[]) => void,
  calls: readonly (readonly number[])[],
): void {
  const c = p.control;
  const arity = calls[0]!.length;
  if (arity > MAX_ARITY || calls.some((args) => args.length !== arity)) {
    throw new CnnError(`parallel: every call needs the same arguments, at most ${MAX_ARITY}`);
  }
  calls.forEach((args, i) => {
    c.set(args, ARGS + i * arity);
  });
  Atomics.store(c, TABLE, table);
  Atomics.store(c, FN, index);
  Atomics.store(c, ARITY, arity);
  Atomics.store(c, COUNT, calls.length);
  Atomics.store(c, DONE, 0);
  Atomics.store(c, FAILED, -1);
  p.generation = (p.generation + 1) & 0xfffff;
  Atomics.store(c, CLAIM, p.generation << 12);
  Atomics.store(c, GEN, p.generation);
  Atomics.notify(c, GEN);
  // This thread claims calls as the workers do, so it finishes the batch alone if none is free. Even after a
  // call threw it waits for the batch to end: the next batch must find no worker still in this one.
  let error: { thrown: unknown } | undefined;
  for (;;) {
    const v = Atomics.load(c, CLAIM);
    const i = v & BATCH;
    if (i >= calls.length) break;
    if (Atomics.compareExchange(c, CLAIM, v, v + 1) !== v) continue;
    try {
      fn(...calls[i]!);
    } catch (thrown) {
      error ??= { thrown };
    }
    Atomics.add(c, DONE, 1);
  }
  for (let done = Atomics.load(c, DONE); done < calls.length; done = Atomics.load(c, DONE)) {
    Atomics.wait(c, DONE, done);
  }
  if (error) throw error.thrown;
  const failed = Atomics.load(c, FAILED);
  // A worker's call threw: run it here, where it throws the same error to the caller.
  if (failed >= 0) fn(...calls[failed]!);
}
