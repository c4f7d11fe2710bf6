import type { Bytes } from '../bytes';
import { maybeGunzip } from '../bytes';
import { FormatError } from '../errors';
import { concatBytes } from './ndarray';

/**
 * A regular file of a tar archive: its path inside the archive and its bytes (a view of the archive).
 *
 * @example
 * ```ts
 * const entry: TarEntry = { name: 'cifar-10-batches-bin/test_batch.bin', data: new Uint8Array(30730000) };
 * ```
 */
export interface TarEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

const BLOCK = 512;
const ch = (c: string) => c.charCodeAt(0);
// Directories, links, devices and fifos: their size field (if any) does not announce data blocks.
const NO_DATA = new Set([ch('1'), ch('2'), ch('3'), ch('4'), ch('5'), ch('6')]);
const REGULAR = new Set([0, ch('0'), ch('7')]);
// Headers about other entries (GNU long name and link, pax local and global): their own size always counts.
const EXTENSION = new Set([ch('L'), ch('K'), ch('x'), ch('X'), ch('g')]);
const MAX_SIZE = 8 ** 11 - 1; // what 11 octal digits hold
const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** Names as written: UTF-8 when they decode as such, else Latin-1 (old archives store raw 8-bit names). */
function decodeName(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return s;
  }
}

/** The bytes of a NUL-terminated field. */
function cstring(bytes: Uint8Array): Uint8Array {
  const end = bytes.indexOf(0);
  return end < 0 ? bytes : bytes.subarray(0, end);
}

function isZero(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}

/** A numeric header field: octal digits (leading spaces, ended by NUL or space) or GNU's base-256 form. */
function numberField(header: Uint8Array, at: number, length: number, what: string, offset: number): number {
  const field = header.subarray(at, at + length);
  if (field[0]! & 0x80) {
    if (field[0]! & 0x40)
      throw new FormatError('tar', `the ${what} of the header at offset ${offset} is negative`);
    let value = field[0]! & 0x3f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  let i = 0;
  while (i < field.length && field[i] === 0x20) i++;
  let value = 0;
  for (; i < field.length && field[i]! >= 0x30 && field[i]! <= 0x37; i++)
    value = value * 8 + field[i]! - 0x30;
  for (; i < field.length; i++) {
    if (field[i] !== 0 && field[i] !== 0x20) {
      const text = decodeName(cstring(field));
      throw new FormatError(
        'tar',
        `the ${what} field of the header at offset ${offset} is not octal: '${text}'`,
      );
    }
  }
  return value;
}

/** Checks the header checksum: the sum of its bytes with the checksum field read as spaces (signed or not). */
function verifyChecksum(header: Uint8Array, offset: number): void {
  const stored = numberField(header, 148, 8, 'checksum', offset);
  let unsigned = 8 * 0x20;
  let signed = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    const b = header[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  if (stored !== unsigned && stored !== signed) {
    throw new FormatError(
      'tar',
      `header checksum mismatch at offset ${offset} ('${decodeName(cstring(header.subarray(0, 100)))}'): ` +
        `the header says ${stored}, its bytes sum to ${unsigned}; the archive is corrupt or not a tar file`,
    );
  }
}

/** The records of a pax extended header ("LEN key=value\n"), as key → value bytes. */
function paxRecords(data: Uint8Array, offset: number): Map<string, Uint8Array> {
  const records = new Map<string, Uint8Array>();
  let p = 0;
  const bad = (why: string) =>
    new FormatError('tar', `malformed pax header at offset ${offset}: ${why} at byte ${p} of ${data.length}`);
  while (p < data.length) {
    let q = p;
    let length = 0;
    while (q < data.length && q - p < 12 && data[q]! >= 0x30 && data[q]! <= 0x39)
      length = length * 10 + data[q++]! - 0x30;
    if (q === p || data[q] !== 0x20) throw bad('expected a decimal record length and a space');
    const end = p + length;
    if (length <= q - p + 1 || end > data.length || data[end - 1] !== 0x0a) {
      throw bad(`the record length ${length} does not end at a newline inside the header`);
    }
    const record = data.subarray(q + 1, end - 1);
    const eq = record.indexOf(ch('='));
    if (eq < 1) throw bad("expected 'key=value'");
    records.set(decodeName(record.subarray(0, eq)), record.subarray(eq + 1));
    p = end;
  }
  return records;
}

/** What pax and GNU extension headers say about the entry that follows them. */
interface Pending {
  name?: string;
  size?: number;
}

function applyPax(data: Uint8Array, offset: number, pending: Pending): void {
  for (const [key, value] of paxRecords(data, offset)) {
    if (key.startsWith('GNU.sparse.')) {
      throw new FormatError(
        'tar',
        `the entry after offset ${offset} is a GNU sparse file, which readTar does not expand`,
      );
    }
    if (key === 'path') pending.name = decodeName(value);
    if (key === 'size') {
      const text = decodeName(value);
      if (!/^\d{1,16}$/.test(text))
        throw new FormatError('tar', `pax size '${text}' at offset ${offset} is not a number`);
      pending.size = Number(text);
    }
  }
}

/**
 * The regular files of a tar archive, in archive order, gzipped or not (`.tar`, `.tar.gz`, `.tgz`): ustar
 * names with their prefix field, GNU long names ('L'), pax extended headers ('x', and Solaris 'X') with
 * `path=` and `size=`. Directories, links, devices, fifos, pax globals and vendor entries are skipped;
 * GNU sparse files and multi-volume continuations are refused (a FormatError), as their bytes are not the
 * file's. Every header's checksum is verified. Reading stops at the first all-zero block (the end marker)
 * or at the end of the input. Entry data are views of the (inflated) archive.
 *
 * @example
 * ```ts
 * for (const { name, data } of readTar(readFileSync('cifar-10-binary.tar.gz'))) console.log(name, data.length);
 * ```
 */
export function readTar(bytes: Bytes): TarEntry[] {
  const archive = maybeGunzip(bytes, 'tar');
  const entries: TarEntry[] = [];
  let pending: Pending = {};
  let pendingAt = -1;
  let offset = 0;
  while (offset < archive.length) {
    if (offset + BLOCK > archive.length) {
      if (isZero(archive.subarray(offset))) break;
      throw new FormatError(
        'tar',
        `truncated: expected a 512-byte header at offset ${offset}, the input has ${archive.length} bytes`,
      );
    }
    const header = archive.subarray(offset, offset + BLOCK);
    if (isZero(header)) break;
    verifyChecksum(header, offset);
    const type = header[156]!;
    const isPosix = decodeName(header.subarray(257, 263)) === 'ustar\0';
    const name = decodeName(cstring(header.subarray(0, 100)));
    const prefix = isPosix ? decodeName(cstring(header.subarray(345, 500))) : '';
    const own = numberField(header, 124, 12, 'size', offset);
    const size = NO_DATA.has(type) ? 0 : EXTENSION.has(type) ? own : (pending.size ?? own);
    const start = offset + BLOCK;
    if (size > archive.length - start) {
      throw new FormatError(
        'tar',
        `truncated: '${pending.name ?? name}' declares ${size} bytes at offset ${start}, the input has ${archive.length}`,
      );
    }
    const data = archive.subarray(start, start + size);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
    if (type === ch('L')) {
      pending.name = decodeName(cstring(data));
      pendingAt = start - BLOCK;
      continue;
    }
    if (type === ch('x') || type === ch('X')) {
      applyPax(data, start - BLOCK, pending);
      pendingAt = start - BLOCK;
      continue;
    }
    if (type === ch('K') || type === ch('g')) continue; // link targets and global records: not needed
    const fullName = pending.name ?? (prefix ? `${prefix}/${name}` : name);
    pending = {};
    pendingAt = -1;
    if (type === ch('S')) {
      throw new FormatError('tar', `'${fullName}' is a GNU sparse file, which readTar does not expand`);
    }
    if (type === ch('M')) {
      throw new FormatError('tar', `'${fullName}' continues from another volume of a multi-volume archive`);
    }
    // Old (v7) archives mark directories only by the trailing slash of a regular-file entry.
    if (REGULAR.has(type) && !fullName.endsWith('/')) entries.push({ name: fullName, data });
  }
  if (pendingAt >= 0) {
    throw new FormatError(
      'tar',
      `the extended header at offset ${pendingAt} is not followed by the entry it describes`,
    );
  }
  return entries;
}

/** Writes `value` at `at` as `digits` octal digits and a NUL. */
function writeOctal(header: Uint8Array, at: number, value: number, digits: number): void {
  header.set(encoder.encode(`${value.toString(8).padStart(digits, '0')}\0`), at);
}

function headerBlock(name: Uint8Array, prefix: Uint8Array, size: number, type: string): Uint8Array {
  const header = new Uint8Array(BLOCK);
  header.set(name, 0);
  writeOctal(header, 100, 0o644, 7);
  writeOctal(header, 108, 0, 7);
  writeOctal(header, 116, 0, 7);
  writeOctal(header, 124, size, 11);
  writeOctal(header, 136, 0, 11);
  header[156] = ch(type);
  header.set(encoder.encode('ustar\u000000'), 257);
  header.set(prefix, 345);
  header.fill(0x20, 148, 156);
  const sum = header.reduce((a, b) => a + b, 0);
  header.set(encoder.encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
  return header;
}

/** Splits a UTF-8 path into ustar's prefix (≤ 155 bytes) and name (≤ 100 bytes) at a '/', if it can. */
function splitName(path: Uint8Array): [Uint8Array, Uint8Array] | undefined {
  if (path.length <= 100) return [new Uint8Array(0), path];
  for (let i = path.length - 101; i <= 155 && i < path.length; i++) {
    if (i > 0 && i < path.length - 1 && path[i] === ch('/'))
      return [path.subarray(0, i), path.subarray(i + 1)];
  }
  return undefined;
}

/** One pax record "LEN path=value\n"; LEN counts its own digits. */
function paxPathRecord(path: Uint8Array): Uint8Array {
  const body = path.length + ' path=\n'.length;
  let length = body + 1;
  while (String(length).length + body !== length) length = String(length).length + body;
  const head = encoder.encode(`${length} path=`);
  const record = new Uint8Array(length);
  record.set(head, 0);
  record.set(path, head.length);
  record[length - 1] = 0x0a;
  return record;
}

/**
 * Writes regular files as a ustar archive (uncompressed; gzip it with fflate's `gzipSync` for .tar.gz):
 * mode 0644, owner 0, mtime 0, long paths split into ustar's prefix field, or given a pax `path=` header
 * when they do not fit. Ends with the two zero blocks.
 *
 * @example
 * ```ts
 * const tar = encodeTar([{ name: 'dir/a.txt', data: new TextEncoder().encode('hello') }]);
 * readTar(tar)[0]?.name; // 'dir/a.txt'
 * ```
 */
export function encodeTar(entries: readonly TarEntry[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const [i, entry] of entries.entries()) {
    const { name, data } = entry ?? {};
    if (typeof name !== 'string' || name === '' || name.includes('\0') || !(data instanceof Uint8Array)) {
      throw new FormatError('tar', `entry ${i} needs a non-empty name without NUL and Uint8Array data`);
    }
    if (data.length > MAX_SIZE) {
      throw new FormatError(
        'tar',
        `'${name}' has ${data.length} bytes; a ustar entry holds at most ${MAX_SIZE}`,
      );
    }
    const path = encoder.encode(name);
    let split = splitName(path);
    if (split === undefined) {
      const record = paxPathRecord(path);
      blocks.push(headerBlock(encoder.encode('././@PaxHeader'), new Uint8Array(0), record.length, 'x'));
      blocks.push(record, new Uint8Array((BLOCK - (record.length % BLOCK)) % BLOCK));
      split = [new Uint8Array(0), path.subarray(path.length - 100)];
    }
    blocks.push(headerBlock(split[1], split[0], data.length, '0'), data);
    blocks.push(new Uint8Array((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  blocks.push(new Uint8Array(2 * BLOCK));
  return concatBytes(blocks);
}
