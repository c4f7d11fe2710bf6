import { describe, expect, it } from 'vitest';
import { behindHeader, byteMutations, bytePrefixes, fuzzFailures, randomByteStrings } from './fuzz';
import { Rng } from './random';

class Expected extends Error {}

describe('fuzzing helpers', () => {
  const target = {
    name: 'reader',
    valid: [Uint8Array.of(1, 2, 3)],
    parse: (b: Uint8Array) => {
      if (b[0] === 0xff) throw new RangeError('boom');
      if (b.length % 2 === 1) throw new Expected('odd');
      return b.length;
    },
  };
  const expected = (e: unknown) => e instanceof Expected;

  it('reports only errors the reader may not throw, naming the input', () => {
    const failures = fuzzFailures(
      target,
      [Uint8Array.of(1), Uint8Array.of(1, 2), Uint8Array.of(0xff, 9)],
      expected,
    );
    expect(failures).toEqual(['reader threw RangeError: boom on 2 bytes starting ff09']);
  });

  it('reports calls slower than the limit', () => {
    // A limit below zero: every call is over it.
    expect(fuzzFailures(target, [new Uint8Array(4)], expected, -1)).toEqual([
      expect.stringMatching(/^reader took \d+ ms on 4 bytes$/),
    ]);
  });

  it('makes random strings within the length bound, reproducibly', () => {
    const a = [...randomByteStrings(new Rng(3), 50, 40)];
    const b = [...randomByteStrings(new Rng(3), 50, 40)];
    expect(a).toEqual(b);
    expect(a.every((s) => s.length <= 40)).toBe(true);
    expect(new Set(a.map((s) => s.length)).size).toBeGreaterThan(10);
  });

  it('puts tails behind a header, takes prefixes and changes 1–4 bytes a copy', () => {
    expect([...behindHeader(Uint8Array.of(7), [Uint8Array.of(1, 2)])]).toEqual([Uint8Array.of(7, 1, 2)]);
    expect([...bytePrefixes(new Uint8Array(100))].map((p) => p.length)).toEqual([...Array(100).keys()]);
    const long = [...bytePrefixes(new Uint8Array(10000))];
    expect(long.length).toBeLessThan(1100);
    expect(long.at(-1)!.length).toBeLessThan(10000);
    const file = new Uint8Array(2000);
    for (const copy of byteMutations(new Rng(5), file, 100)) {
      const changed = copy.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0);
      expect(changed).toBeLessThanOrEqual(4);
    }
    expect(file.every((v) => v === 0)).toBe(true); // the original stays as it was
  });
});
