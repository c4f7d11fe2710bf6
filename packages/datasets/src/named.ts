import { CATALOG, type CatalogName } from './catalog';
import { DatasetError, FormatError } from './errors';
import { imageFolder } from './folder';
import { cifarArchive } from './formats/cifar';
import { idxImageSet } from './formats/idx';
import { parseMat } from './formats/mat';
import { readTar } from './formats/tar';
import type { ImageSet } from './image_set';
import { type LoadOptions, loadBytes, type Source } from './source';

/** How a named set is fetched: the download options, and local copies to read instead. */
export interface NamedOptions extends Omit<LoadOptions, 'sha256' | 'fileName'> {
  /**
   * Local copies (paths, URLs or bytes) of the set's files, by the names of its `CATALOG` entry (e.g.
   * `{ trainImages: 'data/train-images-idx3-ubyte.gz' }`). They are read as they are; only files fetched
   * from the catalog's URLs are checked against its SHA-256.
   */
  files?: Readonly<Record<string, Source>>;
}

/** The training and test parts of a set, as its authors split it. */
export interface TrainTest {
  readonly train: ImageSet;
  readonly test: ImageSet;
}

async function fetchFile(set: CatalogName, key: string, options: NamedOptions): Promise<Uint8Array> {
  const local = options.files?.[key];
  if (local !== undefined) return loadBytes(local, options);
  const files = CATALOG[set].files as Record<string, { url: string; sha256: string }>;
  const file = files[key];
  if (!file) throw new DatasetError(`${set}: no file '${key}'; it has ${Object.keys(files).join(', ')}`);
  const name = file.url.split('/').pop()!;
  return loadBytes(file.url, { ...options, sha256: file.sha256, fileName: `${set}-${name}` });
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const FASHION = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

async function idxPair(
  set: 'mnist' | 'fashionMnist',
  classes: string[],
  options: NamedOptions,
): Promise<TrainTest> {
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    ['trainImages', 'trainLabels', 'testImages', 'testLabels'].map((key) => fetchFile(set, key, options)),
  );
  return {
    train: idxImageSet(trainImages!, trainLabels!, classes),
    test: idxImageSet(testImages!, testLabels!, classes),
  };
}

/**
 * MNIST: 60,000 training and 10,000 test digits, `[n, 28, 28, 1]` bytes, downloaded once (SHA-256
 * checked) and cached. Offline, {@link mnistEmbedded} has 10,000 digits with no download.
 *
 * @example
 * ```ts
 * const { train, test } = await mnist();
 * ```
 */
export function mnist(options: NamedOptions = {}): Promise<TrainTest> {
  return idxPair('mnist', DIGITS, options);
}

/** Fashion-MNIST: Zalando's 70,000 clothing images in MNIST's format and sizes, ten classes. */
export function fashionMnist(options: NamedOptions = {}): Promise<TrainTest> {
  return idxPair('fashionMnist', FASHION, options);
}

/** CIFAR-10: 50,000 training and 10,000 test colour images, `[n, 32, 32, 3]` bytes, ten classes. */
export async function cifar10(options: NamedOptions = {}): Promise<TrainTest> {
  return cifarArchive(await fetchFile('cifar10', 'archive', options), 'cifar10');
}

/** CIFAR-100: as CIFAR-10 with 100 fine classes, or their 20 coarse superclasses with `label: 'coarse'`. */
export async function cifar100(
  options: NamedOptions & { label?: 'fine' | 'coarse' } = {},
): Promise<TrainTest> {
  return cifarArchive(await fetchFile('cifar100', 'archive', options), 'cifar100', { label: options.label });
}

/**
 * The Olivetti faces (AT&T Laboratories Cambridge): 400 images of 40 people, ten each, `[400, 64, 64, 1]`
 * float32 in [0, 1], classes `'s1'`…`'s40'`, as scikit-learn's `fetch_olivetti_faces` gives them.
 */
export async function olivettiFaces(options: NamedOptions = {}): Promise<ImageSet> {
  const arrays = parseMat(await fetchFile('olivettiFaces', 'mat', options));
  const faces = arrays.faces;
  if (faces?.shape.length !== 2 || faces.shape[0] !== 4096) {
    throw new FormatError(
      'mat',
      `olivettiFaces: expected a 4096×n matrix 'faces', got ${describeArrays(arrays)}`,
    );
  }
  const n = faces.shape[1]!;
  // Column i is face i, stored column-major (MATLAB): pixel (row r, column c) is element c·64 + r.
  const images = new Float32Array(n * 4096);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of faces.data as ArrayLike<number> & Iterable<number>) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < 64; r++) {
      for (let c = 0; c < 64; c++) {
        images[i * 4096 + r * 64 + c] =
          ((faces.data[(c * 64 + r) * n + i] as number) - min) / (max - min || 1);
      }
    }
  }
  const people = Math.ceil(n / 10);
  return {
    images,
    shape: [n, 64, 64, 1],
    labels: Int32Array.from({ length: n }, (_, i) => Math.floor(i / 10)),
    classes: Array.from({ length: people }, (_, i) => `s${i + 1}`),
  };
}

function describeArrays(arrays: Record<string, { shape: number[] }>): string {
  const names = Object.entries(arrays).map(([name, a]) => `${name} [${a.shape.join('×')}]`);
  return names.length ? names.join(', ') : 'no numeric arrays';
}

export interface LfwOptions extends NamedOptions {
  /** Keep only people with at least this many images (scikit-learn's `min_faces_per_person`). Default 20. */
  minFacesPerPerson?: number;
  /** Decode in colour (3 channels) instead of grey. Default false. */
  color?: boolean;
  /** Scale of the 125×94 face window (scikit-learn's `resize`). Default 0.5: 62×47 images. */
  resize?: number;
}

/**
 * Labeled Faces in the Wild (funneled), the people with at least `minFacesPerPerson` images: a face set
 * with names, for identification. Cropped and scaled as scikit-learn's `fetch_lfw_people` does (the
 * 125×94 window at rows 70–195, columns 78–172 of each 250×250 image, scaled by `resize`), bytes 0–255,
 * classes the people's names.
 *
 * @example
 * ```ts
 * const people = await lfwPeople({ minFacesPerPerson: 70 });   // 7 people, 1,288 images of 62×47
 * ```
 */
export async function lfwPeople(options: LfwOptions = {}): Promise<ImageSet> {
  const minFaces = options.minFacesPerPerson ?? 20;
  const scale = options.resize ?? 0.5;
  const entries = readTar(await fetchFile('lfw', 'funneled', options)).filter((e) =>
    /\.jpe?g$/i.test(e.name),
  );
  const perPerson = new Map<string, number>();
  for (const { name } of entries) {
    const person = name.split('/').slice(-2, -1)[0] ?? '';
    perPerson.set(person, (perPerson.get(person) ?? 0) + 1);
  }
  const kept = entries.filter(
    ({ name }) => (perPerson.get(name.split('/').slice(-2, -1)[0] ?? '') ?? 0) >= minFaces,
  );
  if (kept.length === 0) {
    throw new DatasetError(`lfwPeople: no person has ${minFaces} or more images; lower minFacesPerPerson`);
  }
  const folder = await imageFolder(
    kept.map(({ name, data }) => ({ path: name, read: async () => data })),
    {
      channels: options.color ? 3 : 1,
      crop: [70, 78, 125, 94],
      size: [Math.floor(125 * scale), Math.floor(94 * scale)],
    },
  );
  return folder.load();
}
