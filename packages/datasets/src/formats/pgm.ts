import type { Bytes } from '../bytes';
import { maybeGunzip } from '../bytes';
import { FormatError } from '../errors';

/**
 * A greyscale image: `data[y * width + x]` is the grey level of pixel (x, y), from 0 (black) to `maxval`.
 *
 * @example
 * ```ts
 * const image: PgmImage = { width: 2, height: 1, maxval: 255, data: Uint8Array.of(0, 255) };
 * ```
 */
export interface PgmImage {
  readonly width: number;
  readonly height: number;
  readonly maxval: number;
  readonly data: Uint8Array | Uint16Array;
}

// Netpbm's whitespace: blank, TAB, LF, VT, FF, CR.
const isSpace = (c: number | undefined) => c === 0x20 || (c !== undefined && c >= 0x09 && c <= 0x0d);
const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;
const show = (c: number | undefined) =>
  c === undefined ? 'the end of the file' : JSON.stringify(String.fromCharCode(c));

/** A cursor over the header and plain raster: numbers separated by whitespace and '#' comments. */
class Scanner {
  p = 2;

  constructor(readonly bytes: Uint8Array) {}

  /** Skips whitespace and comments ('#' through the end of the line). */
  skip(): void {
    const b = this.bytes;
    while (this.p < b.length) {
      if (isSpace(b[this.p])) this.p++;
      else if (b[this.p] === 0x23)
        while (this.p < b.length && b[this.p] !== 0x0a && b[this.p] !== 0x0d) this.p++;
      else break;
    }
  }

  /** The next unsigned decimal number, named `what` in errors. */
  number(what: string): number {
    this.skip();
    const b = this.bytes;
    const start = this.p;
    let value = 0;
    while (isDigit(b[this.p]) && this.p - start < 10) value = value * 10 + b[this.p++]! - 0x30;
    if (this.p === start) {
      const truncated = this.p >= b.length ? 'truncated: ' : '';
      throw new FormatError(
        'pgm',
        `${truncated}expected ${what} (a decimal number) at offset ${this.p}, got ${show(b[this.p])}`,
      );
    }
    if (isDigit(b[this.p]))
      throw new FormatError('pgm', `${what} at offset ${start} has more than 10 digits`);
    return value;
  }
}

/**
 * Parses a Netpbm PGM image: binary P5 (one byte per pixel when maxval < 256, else two, big-endian) or
 * plain P2 (decimal numbers); '#' comments and any whitespace in the header as the spec allows (P2 also
 * takes comments between pixels). Grey levels above maxval are a FormatError. Only the first image of a
 * multi-image file is read. P5 8-bit pixels are a view of the input; gzipped files are inflated first.
 *
 * @example
 * ```ts
 * const face = parsePgm(readFileSync('att_faces/s1/1.pgm')); // { width: 92, height: 112, maxval: 255, data }
 * ```
 */
export function parsePgm(bytes: Bytes): PgmImage {
  const b = maybeGunzip(bytes, 'pgm');
  if (b.length < 2 || b[0] !== 0x50 || (b[1] !== 0x35 && b[1] !== 0x32)) {
    const got = b.length < 2 ? `${b.length} bytes` : JSON.stringify(String.fromCharCode(b[0]!, b[1]!));
    throw new FormatError('pgm', `not a PGM file: expected the magic number P5 or P2, got ${got}`);
  }
  if (!isSpace(b[2]) && b[2] !== 0x23) {
    throw new FormatError(
      'pgm',
      `expected whitespace after the magic number P${b[1] === 0x32 ? 2 : 5}, got ${show(b[2])}`,
    );
  }
  const plain = b[1] === 0x32;
  const scan = new Scanner(b);
  const width = scan.number('the width');
  const height = scan.number('the height');
  const maxval = scan.number('maxval');
  if (width < 1 || height < 1)
    throw new FormatError('pgm', `width and height must be positive, got ${width}×${height}`);
  if (maxval < 1 || maxval > 65535)
    throw new FormatError('pgm', `maxval must be in [1, 65535], got ${maxval}`);
  const n = width * height;
  let data: Uint8Array | Uint16Array;
  if (plain) {
    // Each value takes a digit and a separator: a header claiming more than the text can hold is refused first.
    if (n > (b.length - scan.p + 1) / 2) {
      throw new FormatError(
        'pgm',
        `truncated: ${width}×${height} pixels cannot fit in the ${b.length - scan.p} bytes left`,
      );
    }
    data = maxval < 256 ? new Uint8Array(n) : new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      // Checked before storing: a typed array would wrap 300 to 44.
      const v = scan.number(`pixel ${i} of ${n}`);
      if (v > maxval) throw new FormatError('pgm', `pixel ${i} is ${v}, above maxval ${maxval}`);
      data[i] = v;
    }
  } else {
    // Exactly one whitespace character ends the header (a comment there ends with its line break).
    const c = b[scan.p];
    if (c === 0x23) {
      while (scan.p < b.length && b[scan.p] !== 0x0a && b[scan.p] !== 0x0d) scan.p++;
      scan.p++;
    } else if (isSpace(c)) {
      scan.p++;
    } else {
      throw new FormatError(
        'pgm',
        `expected one whitespace character after maxval at offset ${scan.p}, got ${show(c)}`,
      );
    }
    const depth = maxval < 256 ? 1 : 2;
    const remaining = b.length - scan.p;
    if (n * depth > remaining) {
      throw new FormatError(
        'pgm',
        `truncated: ${width}×${height} pixels of ${depth} byte(s) need ${n * depth} bytes after the ${scan.p}-byte header, the file has ${remaining}`,
      );
    }
    if (depth === 1) {
      data = b.subarray(scan.p, scan.p + n);
    } else {
      data = new Uint16Array(n);
      for (let i = 0, at = scan.p; i < n; i++, at += 2) data[i] = (b[at]! << 8) | b[at + 1]!;
    }
    const over = data.findIndex((v) => v > maxval);
    if (over >= 0) throw new FormatError('pgm', `pixel ${over} is ${data[over]}, above maxval ${maxval}`);
  }
  return { width, height, maxval, data };
}

/**
 * Writes a binary (P5) PGM: one byte per pixel when `maxval` < 256, else two, big-endian. `maxval`
 * defaults to 255 for Uint8Array data and 65535 for Uint16Array data.
 *
 * @example
 * ```ts
 * const file = encodePgm({ width: 2, height: 1, data: new Uint8Array([0, 255]) });
 * new TextDecoder().decode(file.subarray(0, 11)); // 'P5\n2 1\n255\n'
 * ```
 */
export function encodePgm(image: {
  width: number;
  height: number;
  maxval?: number;
  data: Uint8Array | Uint16Array;
}): Uint8Array {
  const { width, height, data } = image ?? {};
  if (!(data instanceof Uint8Array || data instanceof Uint16Array)) {
    throw new FormatError('pgm', 'data must be a Uint8Array or a Uint16Array');
  }
  const maxval = image.maxval ?? (data instanceof Uint8Array ? 255 : 65535);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new FormatError('pgm', `width and height must be positive integers, got ${width}×${height}`);
  }
  if (!Number.isInteger(maxval) || maxval < 1 || maxval > 65535) {
    throw new FormatError('pgm', `maxval must be an integer in [1, 65535], got ${maxval}`);
  }
  if (data.length !== width * height) {
    throw new FormatError(
      'pgm',
      `a ${width}×${height} image needs ${width * height} pixels, got ${data.length}`,
    );
  }
  const over = data.findIndex((v) => v > maxval);
  if (over >= 0) throw new FormatError('pgm', `pixel ${over} is ${data[over]}, above maxval ${maxval}`);
  const header = new TextEncoder().encode(`P5\n${width} ${height}\n${maxval}\n`);
  const depth = maxval < 256 ? 1 : 2;
  const out = new Uint8Array(header.length + depth * data.length);
  out.set(header);
  if (depth === 1) {
    out.set(data, header.length);
  } else {
    for (let i = 0, at = header.length; i < data.length; i++, at += 2) {
      out[at] = data[i]! >> 8;
      out[at + 1] = data[i]! & 0xff;
    }
  }
  return out;
}
