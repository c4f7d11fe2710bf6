import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SourceError } from '../errors';

/**
 * The whole file as a plain `Uint8Array`; a SourceError naming the path when it cannot be read.
 *
 * @example
 * ```ts
 * const bytes = await readBytes('data/train-labels-idx1-ubyte');
 * ```
 */
export async function readBytes(path: string): Promise<Uint8Array> {
  try {
    const buffer = await readFile(path);
    // A plain view: Buffer's `slice` shares memory where Uint8Array's copies.
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw new SourceError(`cannot read '${path}': ${reason(error)}`, path, { cause: error });
  }
}

/**
 * SHA-256 as lowercase hex.
 *
 * @example
 * ```ts
 * sha256Hex(new Uint8Array(0)); // 'e3b0c442…b855'
 * ```
 */
export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Throws a SourceError naming `source` and both digests when they differ.
 *
 * @example
 * ```ts
 * checkDigest(path, options.sha256, sha256Hex(bytes));
 * ```
 */
export function checkDigest(source: string, expected: string, actual: string): void {
  if (actual !== expected) {
    throw new SourceError(`SHA-256 mismatch for ${source}: expected ${expected}, got ${actual}`, source);
  }
}

/**
 * An error as one line for a message: its code, message and cause.
 *
 * @example
 * ```ts
 * reason(error); // "ENOENT: no such file or directory, open 'x.bin'"
 * ```
 */
export function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return code && !message.includes(code) ? `${code}: ${message}${cause}` : `${message}${cause}`;
}
