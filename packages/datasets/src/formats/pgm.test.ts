import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { formatError } from '../../test/helpers';
import { encodePgm, parsePgm } from './pgm';

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const bytes = (header: string, data: number[]) => Uint8Array.from([...latin1(header), ...data]);

describe('parsePgm', () => {
  it('read a plain P2 file with comments, as the Netpbm page writes one', () => {
    const file = latin1(
      [
        'P2',
        '# feep.pgm',
        '4 3',
        '# maxval next',
        '15',
        '0  3  3  3',
        '0  7 # a comment here too',
        ' 7  7',
        '15 15 15  0',
        '',
      ].join('\n'),
    );
    const image = parsePgm(file);
    expect([image.width, image.height, image.maxval]).toEqual([4, 3, 15]);
    expect(image.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(image.data)).toEqual([0, 3, 3, 3, 0, 7, 7, 7, 15, 15, 15, 0]);
    const wide = parsePgm(latin1('P2 2 1 65535 65535 300'));
    expect([wide.data instanceof Uint16Array, Array.from(wide.data)]).toEqual([true, [65535, 300]]);
  });

  it('read binary P5 rows after exactly one whitespace byte, as a view', () => {
    // The first pixel is 0x20 (a space) and another 0x0a: raster bytes, not header whitespace.
    const file = bytes('P5\t3\r\n# size above\n2   255 ', [0x20, 0x0a, 2, 3, 4, 255]);
    const image = parsePgm(file);
    expect([image.width, image.height, image.maxval]).toEqual([3, 2, 255]);
    expect(Array.from(image.data)).toEqual([0x20, 0x0a, 2, 3, 4, 255]);
    expect(image.data.buffer).toBe(file.buffer);
    // Pixel (x=2, y=1) is data[1 * 3 + 2].
    expect(image.data[1 * 3 + 2]).toBe(255);
    const commentEnd = parsePgm(bytes('P5 1 1 9#comment\n', [9]));
    expect(Array.from(commentEnd.data)).toEqual([9]);
  });

  it('read 16-bit P5 pixels big-endian, and gzipped files', () => {
    const image = parsePgm(bytes('P5\n2 1\n1023\n', [0x03, 0xff, 0x01, 0x02]));
    expect(image.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(image.data)).toEqual([1023, 258]);
    expect(Array.from(parsePgm(gzipSync(bytes('P5 1 1 255\n', [77]))).data)).toEqual([77]);
  });

  it('refuse bad files, saying what was expected', () => {
    expect(formatError(() => parsePgm(latin1('P6\n1 1\n255\n\0\0\0')))).toMatch(
      /pgm: not a PGM file: expected the magic number P5 or P2, got "P6"/,
    );
    expect(formatError(() => parsePgm(latin1('P')))).toMatch(
      /expected the magic number P5 or P2, got 1 bytes/,
    );
    expect(formatError(() => parsePgm(latin1('P52 2 255\n')))).toMatch(
      /expected whitespace after the magic number P5, got "2"/,
    );
    expect(formatError(() => parsePgm(latin1('P5\n2 2\n')))).toMatch(
      /truncated: expected maxval \(a decimal number\) at offset 7, got the end of the file/,
    );
    expect(formatError(() => parsePgm(latin1('P5\nx 2 255\n')))).toMatch(
      /expected the width \(a decimal number\) at offset 3, got "x"/,
    );
    expect(formatError(() => parsePgm(bytes('P5 2 2 255\n', [1, 2, 3])))).toMatch(
      /truncated: 2×2 pixels of 1 byte\(s\) need 4 bytes after the 11-byte header, the file has 3/,
    );
    expect(formatError(() => parsePgm(bytes('P5 2 1 100\n', [100, 200])))).toMatch(
      /pixel 1 is 200, above maxval 100/,
    );
    expect(formatError(() => parsePgm(latin1('P2 2 1 255 7 300')))).toMatch(
      /pixel 1 is 300, above maxval 255/,
    );
    expect(formatError(() => parsePgm(bytes('P5 1 1 70000\n', [0, 0])))).toMatch(
      /maxval must be in \[1, 65535\], got 70000/,
    );
    expect(formatError(() => parsePgm(bytes('P5 0 1 255\n', [])))).toMatch(
      /width and height must be positive, got 0×1/,
    );
    expect(formatError(() => parsePgm(bytes('P5 1 1 255x', [0])))).toMatch(
      /expected one whitespace character after maxval at offset 10, got "x"/,
    );
    expect(formatError(() => parsePgm(latin1('P2 2 2 9 1 2 3')))).toMatch(
      /truncated: 2×2 pixels cannot fit in the 6 bytes left/,
    );
    expect(formatError(() => parsePgm(latin1('P2 2 1 9 1 x')))).toMatch(
      /expected pixel 1 of 2 \(a decimal number\) at offset 11, got "x"/,
    );
    expect(formatError(() => parsePgm(latin1('P2 1 1 9 12345678901')))).toMatch(
      /pixel 0 of 1 at offset 9 has more than 10 digits/,
    );
    // 2^31 × 2^31 pixels claimed over 2 bytes: refused before anything is allocated.
    expect(formatError(() => parsePgm(bytes('P5 2147483648 2147483648 65535\n', [0, 0])))).toMatch(
      /truncated: 2147483648×2147483648 pixels/,
    );
  });
});

describe('encodePgm', () => {
  it('write the P5 header and raster the spec describes', () => {
    const file = encodePgm({ width: 2, height: 1, data: Uint8Array.of(0, 255) });
    expect(Array.from(file)).toEqual(Array.from(bytes('P5\n2 1\n255\n', [0, 255])));
    const deep = encodePgm({ width: 1, height: 2, data: Uint16Array.of(258, 65535) });
    expect(Array.from(deep)).toEqual(Array.from(bytes('P5\n1 2\n65535\n', [1, 2, 255, 255])));
    const narrow = encodePgm({ width: 2, height: 1, maxval: 15, data: Uint16Array.of(15, 3) });
    expect(Array.from(narrow)).toEqual(Array.from(bytes('P5\n2 1\n15\n', [15, 3])));
  });

  it('round-trip 8- and 16-bit images', () => {
    const w = 7;
    const h = 5;
    const eight = Uint8Array.from({ length: w * h }, (_, i) => (i * 37) % 256);
    const sixteen = Uint16Array.from({ length: w * h }, (_, i) => (i * 4099) % 4096);
    const a = parsePgm(encodePgm({ width: w, height: h, data: eight }));
    expect([a.width, a.height, a.maxval, Array.from(a.data)]).toEqual([w, h, 255, Array.from(eight)]);
    const b = parsePgm(encodePgm({ width: w, height: h, maxval: 4095, data: sixteen }));
    expect([b.maxval, b.data instanceof Uint16Array, Array.from(b.data)]).toEqual([
      4095,
      true,
      Array.from(sixteen),
    ]);
  });

  it('refuse images it cannot write', () => {
    expect(formatError(() => encodePgm({ width: 2, height: 2, data: new Uint8Array(3) }))).toMatch(
      /a 2×2 image needs 4 pixels, got 3/,
    );
    expect(formatError(() => encodePgm({ width: 1, height: 1, maxval: 9, data: Uint8Array.of(10) }))).toMatch(
      /pixel 0 is 10, above maxval 9/,
    );
    expect(formatError(() => encodePgm({ width: 1.5, height: 1, data: new Uint8Array(1) }))).toMatch(
      /width and height must be positive integers/,
    );
    expect(formatError(() => encodePgm({ width: 1, height: 1, maxval: 0, data: new Uint8Array(1) }))).toMatch(
      /maxval must be an integer in \[1, 65535\], got 0/,
    );
    const floats = { width: 1, height: 1, data: new Float32Array(1) } as unknown as Parameters<
      typeof encodePgm
    >[0];
    expect(formatError(() => encodePgm(floats))).toMatch(/data must be a Uint8Array or a Uint16Array/);
  });
});

/** A file of CPython's own test suite on this machine (pyenv's or the system's), if there is one. */
function pythonTestFile(relative: string): string | undefined {
  const libs = ['/usr/lib', '/usr/local/lib'];
  for (const base of [process.env.PYENV_ROOT, join(homedir(), '.pyenv')]) {
    try {
      for (const v of readdirSync(join(base ?? '', 'versions')))
        libs.push(join(base ?? '', 'versions', v, 'lib'));
    } catch {}
  }
  const dirs = libs.flatMap((lib) => {
    try {
      return readdirSync(lib)
        .filter((d) => d.startsWith('python3'))
        .map((d) => join(lib, d, 'test'));
    } catch {
      return [];
    }
  });
  return dirs.map((d) => join(d, relative)).find((p) => existsSync(p));
}

const PYTHON_PGM = pythonTestFile('imghdrdata/python.pgm');
const PYTHON_PPM = pythonTestFile('imghdrdata/python.ppm');

describe('parsePgm on files written elsewhere', () => {
  it.skipIf(PYTHON_PGM === undefined)("read CPython's imghdrdata/python.pgm", () => {
    const image = parsePgm(readFileSync(PYTHON_PGM!));
    expect([image.width, image.height, image.maxval]).toEqual([16, 16, 255]);
    // As `od` reads the bytes after the file's 13-byte header "P5\n16 16\n255\n": row 0, row 8, the sum.
    expect(Array.from(image.data.subarray(0, 16))).toEqual([
      0, 0, 0, 0, 131, 125, 122, 117, 111, 105, 97, 0, 0, 0, 0, 0,
    ]);
    expect(Array.from(image.data.subarray(128, 144))).toEqual([
      120, 116, 111, 96, 0, 220, 228, 226, 223, 219, 216, 212, 208, 205, 201, 0,
    ]);
    expect(Array.from(image.data).reduce((s, v) => s + v, 0)).toBe(25193);
  });

  it.skipIf(PYTHON_PPM === undefined)("refuse CPython's python.ppm, a colour (P6) file", () => {
    expect(formatError(() => parsePgm(readFileSync(PYTHON_PPM!)))).toMatch(/got "P6"/);
  });
});
