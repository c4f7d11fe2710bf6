import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { hostThreads, setHostThreads } from './host_pool';
import { i32, instantiateOwn, op, type WasmFunction } from './wasm_asm';

// mark(address, value): memory[address] = value. meet(flag, out, role, limit): role 1 raises the flag;
// role 0 waits for it, up to `limit` turns, and records in `out` whether it came (writing the turn count
// beside it each turn, so the flag's load stays in the loop).
const MARK: WasmFunction = { params: [i32, i32], locals: [], body: [op.get(0), op.get(1), op.i32Store()] };
const MEET: WasmFunction = {
  params: [i32, i32, i32, i32],
  locals: [],
  body: [
    op.block,
    op.block, // the waiter
    ...[op.get(2), op.i32Eqz, op.brIf(0), op.get(0), op.i32(1), op.i32Store(), op.i32(1), op.brIf(1)],
    op.end,
    op.loop,
    op.block,
    ...[
      op.get(0),
      op.i32Load(),
      op.i32Eqz,
      op.brIf(0),
      op.get(1),
      op.i32(1),
      op.i32Store(),
      op.i32(1),
      op.brIf(2),
    ],
    op.end,
    ...[op.get(1), op.get(3), op.i32Store(4), op.get(3), op.i32(1), op.i32Sub, op.tee(3), op.brIf(0)],
    op.end,
    op.end,
  ],
};
const FUNCTIONS = { mark: MARK, meet: MEET };
type Exports = { mark(address: number, value: number): void; meet(...args: number[]): void };

describe('host pool', () => {
  const kernels = instantiateOwn<Exports>(FUNCTIONS)!;
  const { memory } = kernels; // 64 KiB: room for every address below

  it('starts a thread a core, at most four, and never fewer than one', async () => {
    expect(await hostThreads()).toBe(Math.max(1, Math.min(os.availableParallelism(), 4)));
    expect(() => setHostThreads(0)).toThrow(/positive integer, got 0/);
    expect(() => setHostThreads(otherThreadCount())).toThrow(/already runs/);
  });

  it('runs every call exactly once, in batches longer than one', () => {
    const n = 10_000;
    const view = new Int32Array(memory.buffer, 0, n);
    view.fill(0);
    kernels.parallel(
      'mark',
      Array.from({ length: n }, (_, i) => [4 * i, i + 1]),
    );
    const wrong = Array.from(new Int32Array(memory.buffer, 0, n)).findIndex((v, i) => v !== i + 1);
    expect(wrong).toBe(-1);
  });

  it('runs calls at the same time on different threads', async () => {
    if ((await hostThreads()) < 2) return; // one core: nothing to spread (the calls still run, in turn)
    const view = new Int32Array(memory.buffer, 0, 4);
    view.fill(0);
    // Whichever thread takes the waiter, the other raises the flag; alone, the waiter would give up.
    kernels.parallel('meet', [
      [0, 4, 0, 2e8],
      [0, 4, 1, 0],
    ]);
    expect(Array.from(new Int32Array(memory.buffer, 0, 2))).toEqual([1, 1]);
  });

  it("throws a call's error to the caller, and runs the next batch", async () => {
    await hostThreads();
    const beyond = memory.buffer.byteLength + 64;
    const calls = Array.from({ length: 64 }, (_, i) => [4 * i, 7]);
    calls[40] = [beyond, 7];
    expect(() => kernels.parallel('mark', calls)).toThrow(WebAssembly.RuntimeError);
    kernels.parallel('mark', [
      [0, 5],
      [4, 6],
    ]);
    expect(Array.from(new Int32Array(memory.buffer, 0, 2))).toEqual([5, 6]);
    expect(() => kernels.parallel('mark', [[0, 1], [4]])).toThrow(/same arguments/);
  });
});

/** A thread count the running pool does not have. */
function otherThreadCount(): number {
  return Math.max(1, Math.min(os.availableParallelism(), 4)) + 1;
}
