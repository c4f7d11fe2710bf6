import type { Bytes } from '../bytes';
import { maybeGunzip } from '../bytes';
import { FormatError } from '../errors';
import type { ImageSet } from '../image_set';
import { readTar } from './tar';

/**
 * Which CIFAR: 10 classes, or 100 fine classes grouped into 20 coarse ones.
 *
 * @example
 * ```ts
 * const variant: CifarVariant = 'cifar100';
 * ```
 */
export type CifarVariant = 'cifar10' | 'cifar100';

/**
 * How to read CIFAR records.
 *
 * @example
 * ```ts
 * const options: CifarOptions = { variant: 'cifar100', label: 'coarse' };
 * ```
 */
export interface CifarOptions {
  readonly variant: CifarVariant;
  /** CIFAR-100 only: the 100 fine labels (default) or the 20 coarse superclasses. */
  readonly label?: 'fine' | 'coarse';
  /** Class names by index (as many as the variant and label have classes); defaults are described below. */
  readonly classes?: readonly string[];
}

/**
 * CIFAR-10's class names, by label (as in its batches.meta.txt).
 *
 * @example
 * ```ts
 * CIFAR10_CLASSES[3]; // 'cat'
 * ```
 */
export const CIFAR10_CLASSES: readonly string[] = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = 3 * PLANE;

interface Layout {
  /** Bytes per record: label byte(s) then the three colour planes. */
  readonly size: number;
  /** Offset of the label used inside a record. */
  readonly labelAt: number;
  /** How many classes that label has. */
  readonly count: number;
  readonly label: 'fine' | 'coarse';
}

function layout(options: Pick<CifarOptions, 'variant' | 'label'>): Layout {
  const { variant, label } = options ?? {};
  if (variant !== 'cifar10' && variant !== 'cifar100') {
    throw new FormatError('cifar', `variant must be 'cifar10' or 'cifar100', got ${String(variant)}`);
  }
  if (label !== undefined && label !== 'fine' && label !== 'coarse') {
    throw new FormatError('cifar', `label must be 'fine' or 'coarse', got ${String(label)}`);
  }
  if (variant === 'cifar10') {
    if (label === 'coarse')
      throw new FormatError('cifar', 'CIFAR-10 has no coarse labels; label: coarse is for cifar100');
    return { size: 1 + PIXELS, labelAt: 0, count: 10, label: 'fine' };
  }
  // CIFAR-100 records: coarse label byte, fine label byte, pixels.
  return label === 'coarse'
    ? { size: 2 + PIXELS, labelAt: 0, count: 20, label: 'coarse' }
    : { size: 2 + PIXELS, labelAt: 1, count: 100, label: 'fine' };
}

function checkClasses(classes: readonly string[], layout: Layout, source: string): readonly string[] {
  if (
    !Array.isArray(classes) ||
    classes.length !== layout.count ||
    !classes.every((c) => typeof c === 'string')
  ) {
    throw new FormatError(
      'cifar',
      `${source} must name ${layout.count} ${layout.label} classes, got ${Array.isArray(classes) ? classes.length : String(classes)}`,
    );
  }
  return classes;
}

function defaultClasses(variant: CifarVariant, layout: Layout): readonly string[] {
  if (variant === 'cifar10') return CIFAR10_CLASSES;
  return Array.from({ length: layout.count }, (_, i) => String(i));
}

/** Decodes the records of one or more parts (batch files) into one NHWC set. */
function decode(
  parts: readonly (readonly [string, Uint8Array])[],
  layout: Layout,
  classes: readonly string[],
): ImageSet {
  let n = 0;
  for (const [what, bytes] of parts) {
    const rest = bytes.length % layout.size;
    if (rest !== 0) {
      throw new FormatError(
        'cifar',
        `${what} has ${bytes.length} bytes, not a whole number of ${layout.size}-byte records (${rest} bytes left over)`,
      );
    }
    n += bytes.length / layout.size;
  }
  const images = new Uint8Array(n * PIXELS);
  const labels = new Int32Array(n);
  let i = 0;
  for (const [what, bytes] of parts) {
    for (let at = 0; at < bytes.length; at += layout.size, i++) {
      const label = bytes[at + layout.labelAt]!;
      if (label >= classes.length) {
        const record = at / layout.size;
        throw new FormatError(
          'cifar',
          `record ${record} of ${what} has ${layout.label} label ${label}, not a class index in [0, ${classes.length})`,
        );
      }
      labels[i] = label;
      // Planar R, G, B (each 32×32, row-major) → interleaved pixels.
      const planes = at + layout.size - PIXELS;
      const out = i * PIXELS;
      for (let p = 0; p < PLANE; p++) {
        images[out + 3 * p] = bytes[planes + p]!;
        images[out + 3 * p + 1] = bytes[planes + PLANE + p]!;
        images[out + 3 * p + 2] = bytes[planes + 2 * PLANE + p]!;
      }
    }
  }
  return { images, shape: [n, SIDE, SIDE, 3], labels, classes };
}

/**
 * Parses CIFAR binary records (one batch file, or several concatenated; gzipped is fine) into an NHWC
 * uint8 {@link ImageSet} `[n, 32, 32, 3]`. A CIFAR-10 record is a label byte and 3072 pixel bytes (the red,
 * green and blue 32×32 planes, row-major); a CIFAR-100 record has a coarse and a fine label byte first.
 * Class names: `classes` if given, else CIFAR-10's ten names, else '0'…'99' (fine) or '0'…'19' (coarse).
 *
 * @example
 * ```ts
 * const test = parseCifar(readFileSync('cifar-10-batches-bin/test_batch.bin'), { variant: 'cifar10' });
 * test.shape; // [10000, 32, 32, 3]
 * ```
 */
export function parseCifar(bytes: Bytes, options: CifarOptions): ImageSet {
  const lay = layout(options);
  const classes =
    options.classes === undefined
      ? defaultClasses(options.variant, lay)
      : checkClasses(options.classes, lay, 'options.classes');
  return decode([['the input', maybeGunzip(bytes, 'cifar')]], lay, classes);
}

/** Class names from a label-names member: one a line, blank lines dropped. */
function namesFrom(bytes: Uint8Array, member: string, lay: Layout): readonly string[] {
  const names = new TextDecoder()
    .decode(bytes)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return checkClasses(names, lay, member);
}

/**
 * Both splits of a CIFAR archive as distributed (`cifar-10-binary.tar.gz`, `cifar-100-binary.tar.gz`, or
 * the same uncompressed): CIFAR-10's `cifar-10-batches-bin/data_batch_1.bin` … `data_batch_5.bin` (train,
 * in that order) and `test_batch.bin`; CIFAR-100's `cifar-100-binary/train.bin` and `test.bin`. A missing
 * batch is a FormatError listing the members expected. Class names come from `options.classes`, else the
 * archive's `batches.meta.txt` / `fine_label_names.txt` / `coarse_label_names.txt`, else the defaults of
 * {@link parseCifar}.
 *
 * @example
 * ```ts
 * const { train, test } = cifarArchive(readFileSync('cifar-100-binary.tar.gz'), 'cifar100', { label: 'coarse' });
 * train.classes[train.labels[0]!]; // e.g. 'large_man-made_outdoor_things'
 * ```
 */
export function cifarArchive(
  bytes: Bytes,
  variant: CifarVariant,
  options: Omit<CifarOptions, 'variant'> = {},
): { train: ImageSet; test: ImageSet } {
  const lay = layout({ variant, label: options.label });
  const dir = variant === 'cifar10' ? 'cifar-10-batches-bin' : 'cifar-100-binary';
  const train = variant === 'cifar10' ? [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`) : ['train.bin'];
  const test = variant === 'cifar10' ? ['test_batch.bin'] : ['test.bin'];
  const meta =
    variant === 'cifar10'
      ? 'batches.meta.txt'
      : lay.label === 'coarse'
        ? 'coarse_label_names.txt'
        : 'fine_label_names.txt';
  const entries = readTar(bytes);
  const find = (member: string) => {
    const path = `${dir}/${member}`;
    return entries.find((e) => e.name.replace(/^(\.\/)+/, '') === path || e.name.endsWith(`/${path}`))?.data;
  };
  const required = [...train, ...test];
  const missing = required.filter((m) => find(m) === undefined);
  if (missing.length > 0) {
    throw new FormatError(
      'cifar',
      `the archive lacks ${missing.map((m) => `${dir}/${m}`).join(', ')}; a ${variant} archive holds ` +
        `${required.map((m) => `${dir}/${m}`).join(', ')} (found ${entries.length} files)`,
    );
  }
  const metaBytes = find(meta);
  const classes =
    options.classes !== undefined
      ? checkClasses(options.classes, lay, 'options.classes')
      : metaBytes !== undefined
        ? namesFrom(metaBytes, `${dir}/${meta}`, lay)
        : defaultClasses(variant, lay);
  const parts = (members: string[]) => members.map((m) => [`${dir}/${m}`, find(m)!] as const);
  return { train: decode(parts(train), lay, classes), test: decode(parts(test), lay, classes) };
}
