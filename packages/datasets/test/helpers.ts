import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { FormatError } from '../src/errors';

/** The message of the FormatError `fn` throws (failing the test if it throws anything else or nothing). */
export function formatError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    return (error as FormatError).message;
  }
  throw new Error('expected a FormatError, nothing was thrown');
}

/**
 * The first of `relatives` found in a Python installation on this machine (pyenv's or the system's):
 * files that numpy, scipy and CPython wrote, for tests that read real files no one here made. Undefined
 * where there is none (such tests skip).
 */
export function pythonFile(...relatives: string[]): string | undefined {
  const libs = ['/usr/lib', '/usr/local/lib'];
  for (const base of [process.env.PYENV_ROOT, join(homedir(), '.pyenv')]) {
    if (!base) continue;
    try {
      for (const v of readdirSync(join(base, 'versions'))) libs.push(join(base, 'versions', v, 'lib'));
    } catch {}
  }
  const roots = libs.flatMap((lib) => {
    try {
      return readdirSync(lib)
        .filter((d) => d.startsWith('python3'))
        .flatMap((d) => [join(lib, d), join(lib, d, 'site-packages'), join(lib, d, 'dist-packages')]);
    } catch {
      return [];
    }
  });
  roots.push('/usr/lib/python3/dist-packages');
  return roots.flatMap((root) => relatives.map((rel) => join(root, rel))).find((p) => existsSync(p));
}

/** Bytes of `values` written one by one with a DataView setter, `size` bytes each (any endianness). */
export function dataViewBytes(
  values: number[],
  size: number,
  set: (view: DataView, at: number, x: number) => void,
): Uint8Array {
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  values.forEach((x, i) => {
    set(view, i * size, x);
  });
  return out;
}
