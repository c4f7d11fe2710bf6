import { type UnzipFileInfo, unzipSync, type Zippable, zipSync } from 'fflate';
import { asUint8, type Bytes } from '../bytes';
import { FormatError } from '../errors';
import type { NdArray } from './ndarray';
import { encodeNpy, parseNpy } from './npy';

// Deflate cannot expand data by more than about 1032:1; a member claiming more is lying about its size.
const MAX_DEFLATE_RATIO = 1032;
// A central-directory record takes at least 46 bytes.
const MIN_DIRECTORY_RECORD = 46;

/**
 * Refuses zip members whose declared sizes the archive cannot back, before fflate allocates for them,
 * and directories that claim more members than could fit.
 */
function sizeGuard(zip: Uint8Array): (file: UnzipFileInfo) => boolean {
  let seen = 0;
  return (file) => {
    if (++seen > zip.length / MIN_DIRECTORY_RECORD) {
      throw new FormatError('npz', `the zip directory claims more members than ${zip.length} bytes can hold`);
    }
    const { name, size, originalSize, compression } = file;
    const stored = compression === 0;
    if (
      size > zip.length ||
      (stored && originalSize !== size) ||
      originalSize > size * MAX_DEFLATE_RATIO + 1024
    ) {
      throw new FormatError(
        'npz',
        `member '${name}' declares ${size} compressed and ${originalSize} uncompressed bytes, which the ` +
          `${zip.length}-byte archive cannot hold`,
      );
    }
    return true;
  };
}

/**
 * Parses a NumPy .npz archive (`numpy.savez` or `savez_compressed`: a zip of .npy files, stored or
 * deflated) into its arrays, keyed by member name without the `.npy` suffix. Members that are not .npy
 * files are a FormatError; so is anything {@link parseNpy} refuses, with the member named.
 *
 * @example
 * ```ts
 * const { x_train, y_train } = parseNpz(readFileSync('mnist.npz'));
 * ```
 */
export function parseNpz(bytes: Bytes): Record<string, NdArray> {
  const zip = asUint8(bytes);
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(zip, { filter: sizeGuard(zip) });
  } catch (error) {
    if (error instanceof FormatError) throw error;
    throw new FormatError('npz', `not a readable zip archive (${(error as Error).message})`, {
      cause: error,
    });
  }
  const arrays: [string, NdArray][] = [];
  for (const [name, data] of Object.entries(members)) {
    if (name.endsWith('/')) continue; // a directory entry
    if (!name.endsWith('.npy')) {
      throw new FormatError(
        'npz',
        `member '${name}' is not an .npy file; an .npz holds only name.npy members`,
      );
    }
    try {
      arrays.push([name.slice(0, -4), parseNpy(data)]);
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      throw new FormatError('npz', `member '${name}': ${error.message}`, { cause: error });
    }
  }
  // fromEntries defines own properties, so a member named __proto__ stays an ordinary key.
  return Object.fromEntries(arrays);
}

/**
 * Writes arrays as a NumPy .npz archive, one `key.npy` member each: stored like `numpy.savez`, or
 * deflated like `numpy.savez_compressed` with `compress: true`. Member dates are fixed (1980-01-01), so
 * the same arrays give the same bytes.
 *
 * @example
 * ```ts
 * const npz = encodeNpz({ w: { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) } }, { compress: true });
 * parseNpz(npz).w?.shape; // [2]
 * ```
 */
export function encodeNpz(arrays: Record<string, NdArray>, options: { compress?: boolean } = {}): Uint8Array {
  const files: Zippable = {};
  for (const [key, array] of Object.entries(arrays)) {
    if (key === '') throw new FormatError('npz', 'array names must be non-empty');
    let npy: Uint8Array;
    try {
      npy = encodeNpy(array);
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      throw new FormatError('npz', `array '${key}': ${error.message}`, { cause: error });
    }
    files[`${key}.npy`] = [npy, { level: options.compress ? 6 : 0 }];
  }
  return zipSync(files, { mtime: new Date(1980, 0, 1) });
}
