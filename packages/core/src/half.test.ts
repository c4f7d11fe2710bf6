import { describe, expect, it } from 'vitest';
import { fromBfloat16, fromHalf, toBfloat16, toHalf } from './half';

/** The value of a finite half from its fields, the textbook way: the reference for fromHalf. */
function halfValue(h: number): number {
  const s = h >> 15 ? -1 : 1;
  const e = (h >> 10) & 31;
  const f = h & 1023;
  return e === 0 ? s * 2 ** -14 * (f / 1024) : s * 2 ** (e - 15) * (1 + f / 1024);
}

describe('half precision', () => {
  it('reads every one of the 65,536 bit patterns, and writes each finite one back to the same bits', () => {
    for (let h = 0; h < 65536; h++) {
      const e = (h >> 10) & 31;
      const v = fromHalf(h);
      if (e === 31) {
        expect((h & 1023) === 0 ? v === (h >> 15 ? -Infinity : Infinity) : Number.isNaN(v)).toBe(true);
        continue;
      }
      if (v !== halfValue(h)) expect.fail(`${h.toString(16)}: ${v} vs ${halfValue(h)}`);
      if (toHalf(v) !== h) expect.fail(`${h.toString(16)} came back as ${toHalf(v).toString(16)}`);
    }
  });

  it('rounds to the nearest half, ties to the even one, overflow to infinity', () => {
    // Halfway between neighbours k and k+1 (positive finite halves, normal and subnormal): the even one.
    for (const k of [0, 1, 2, 3, 0x3c00, 0x3c01, 0x3ff, 0x400, 0x7bfe]) {
      const mid = (halfValue(k) + halfValue(k + 1)) / 2;
      expect(toHalf(mid)).toBe(k % 2 === 0 ? k : k + 1);
      expect(toHalf(mid + (halfValue(k + 1) - halfValue(k)) / 8)).toBe(k + 1);
    }
    expect(fromHalf(toHalf(1 / 3))).toBe(0.333251953125); // 0x3555
    expect(toHalf(65520)).toBe(0x7c00); // half of the way past 65504: rounds to infinity, as numpy
    expect(toHalf(65519)).toBe(0x7bff);
    expect(toHalf(-1e9)).toBe(0xfc00);
    expect(Number.isNaN(fromHalf(toHalf(Number.NaN)))).toBe(true);
    expect(toHalf(2 ** -26)).toBe(0); // below half the smallest subnormal
  });
});

describe('bfloat16', () => {
  it('is the top half of a float32, rounded to nearest-even', () => {
    expect(fromBfloat16(0x3f80)).toBe(1);
    expect(fromBfloat16(0xc040)).toBe(-3);
    expect(fromBfloat16(toBfloat16(1 / 3))).toBe(0.333984375); // 0x3eab
    expect(toBfloat16(1 + 2 ** -8)).toBe(0x3f80); // a tie: down to the even 1.0
    expect(toBfloat16(1 + 3 * 2 ** -8)).toBe(0x3f82); // a tie: up to the even 1 + 2^-6
    expect(Number.isNaN(fromBfloat16(toBfloat16(Number.NaN)))).toBe(true);
    for (let h = 0; h < 65536; h += 7) {
      const v = fromBfloat16(h);
      if (!Number.isNaN(v)) expect(toBfloat16(v)).toBe(h);
    }
  });
});
