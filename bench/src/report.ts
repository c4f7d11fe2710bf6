/** One measured figure: printed as one JSON line on stdout. */
export interface Figure {
  bench: string;
  value: number;
  unit: string;
  [detail: string]: string | number;
}

export function report(figure: Figure): void {
  const value = Number(figure.value.toPrecision(4));
  console.log(JSON.stringify({ ...figure, value }));
}

/**
 * Seconds per call of `fn`, the median of `runs` timed calls after `warmup` untimed ones. `fn` resolves
 * when its work is done (reading a result back from the backend).
 */
export async function time(fn: () => Promise<void>, { warmup = 1, runs = 3 } = {}): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const seconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    seconds.push((performance.now() - start) / 1000);
  }
  seconds.sort((a, b) => a - b);
  return seconds[Math.floor(seconds.length / 2)]!;
}

/**
 * Seconds per call of each of `fns`, medians of `runs` rounds in which every function runs once in turn
 * (after `warmup` such rounds): a machine whose load drifts slows all of them alike, so their ratios hold.
 */
export async function timeEach(
  fns: readonly (() => Promise<void>)[],
  { warmup = 1, runs = 3 } = {},
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) for (const fn of fns) await fn();
  const seconds = fns.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    for (const [k, fn] of fns.entries()) {
      const start = performance.now();
      await fn();
      seconds[k]!.push((performance.now() - start) / 1000);
    }
  }
  return seconds.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]!);
}
