import type { Rng } from './random';

/**
 * Inputs for fuzzing readers of binary formats (IDX, CIFAR, .npy, weight files …), and the check they
 * must pass: return, or throw only the reader's own typed error, within a time limit. For tests, as
 * {@link expectNoLeaks}: every cnn package with a parser runs its parsers through these.
 *
 * @example
 * ```ts
 * const target = { name: 'parseNpy', parse: parseNpy, valid: [encodeNpy(array)] };
 * const rng = new Rng(1);
 * const expected = (e: unknown) => e instanceof FormatError;
 * expect(fuzzFailures(target, randomByteStrings(rng, 300, 4096), expected)).toEqual([]);
 * expect(fuzzFailures(target, bytePrefixes(target.valid[0]!), expected)).toEqual([]);
 * ```
 */
export interface FuzzTarget {
  readonly name: string;
  readonly parse: (bytes: Uint8Array) => unknown;
  /** Valid inputs, to truncate and mutate. */
  readonly valid: readonly Uint8Array[];
}

/**
 * Runs `target.parse` on each input; returns a description of each call that threw an error `expected`
 * refuses or took longer than `maxMs`.
 */
export function fuzzFailures(
  target: FuzzTarget,
  inputs: Iterable<Uint8Array>,
  expected: (error: unknown) => boolean,
  maxMs = 1000,
): string[] {
  const failures: string[] = [];
  for (const input of inputs) {
    const start = performance.now();
    try {
      target.parse(input);
    } catch (error) {
      if (!expected(error)) {
        const head = Array.from(input.subarray(0, 24), (b) => b.toString(16).padStart(2, '0')).join('');
        failures.push(`${target.name} threw ${String(error)} on ${input.length} bytes starting ${head}`);
      }
    }
    const ms = performance.now() - start;
    if (ms > maxMs) failures.push(`${target.name} took ${ms.toFixed(0)} ms on ${input.length} bytes`);
  }
  return failures;
}

/** `count` random byte strings of 0 to `maxLength` bytes. */
export function* randomByteStrings(rng: Rng, count: number, maxLength: number): Generator<Uint8Array> {
  for (let k = 0; k < count; k++) {
    const n = rng.int(maxLength + 1);
    const words = Uint32Array.from({ length: Math.ceil(n / 4) }, () => rng.uint32());
    yield new Uint8Array(words.buffer, 0, n);
  }
}

/** Each of `tails` behind `head` (a valid file's first bytes): inputs that pass the magic-number check. */
export function* behindHeader(head: Uint8Array, tails: Iterable<Uint8Array>): Generator<Uint8Array> {
  for (const tail of tails) {
    const out = new Uint8Array(head.length + tail.length);
    out.set(head);
    out.set(tail, head.length);
    yield out;
  }
}

/** Every prefix of short files; for long ones the first 600 lengths and ~400 more spread over the rest. */
export function* bytePrefixes(file: Uint8Array): Generator<Uint8Array> {
  const step = file.length <= 2048 ? 1 : Math.ceil((file.length - 600) / 400);
  for (let n = 0; n < file.length; n += n < 600 ? 1 : step) yield file.subarray(0, n);
}

/** Copies of `file` with 1–4 bytes changed, three times in four inside the first 512 bytes (the headers). */
export function* byteMutations(rng: Rng, file: Uint8Array, count: number): Generator<Uint8Array> {
  for (let k = 0; k < count; k++) {
    const copy = file.slice();
    for (let f = 1 + rng.int(4); f > 0; f--) {
      const at = rng.float() < 0.75 ? rng.int(Math.min(512, copy.length)) : rng.int(copy.length);
      copy[at] = rng.float() < 0.5 ? copy[at]! ^ (1 << rng.int(8)) : rng.int(256);
    }
    yield copy;
  }
}
