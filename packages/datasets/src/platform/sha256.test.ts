import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Js } from './sha256';

const data = new Uint8Array(randomBytes(70_000));
const hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('sha256Js, the fallback where crypto.subtle is missing', () => {
  it('gives the FIPS 180-2 digests of "abc" and the empty string', () => {
    expect(sha256Js(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(sha256Js(new Uint8Array(0))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  // Lengths on each side of the padding boundaries (55/56 bytes of the last block) and of whole blocks.
  it.each([1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 65_537])('matches node:crypto on %i bytes', (n) => {
    const bytes = data.subarray(7, 7 + n); // an offset view: reads must honour byteOffset
    expect(sha256Js(bytes)).toBe(hex(bytes));
  });
});
