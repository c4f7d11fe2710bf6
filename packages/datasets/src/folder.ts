import { decodeImage } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { platform } from '#platform';
import { Dataset, type LabeledExample } from './dataset';
import { DatasetError } from './errors';
import { parsePgm } from './formats/pgm';
import type { ImageSet } from './image_set';

/** A file of an image folder that is not on a local disk: a tar member, a browser `File`, bytes in memory. */
export interface FileEntry {
  /** Its path, `/`-separated; the name of the directory holding it is its class. */
  readonly path: string;
  read(): Promise<Uint8Array>;
}

/** What a browser's `<input type="file" webkitdirectory>` gives: `File`s with their relative paths. */
interface FileLike {
  readonly name: string;
  readonly webkitRelativePath?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface ImageFolderOptions {
  /** Channels of the decoded images: 1 (grey) or 3 (RGB). Default 3. */
  channels?: 1 | 3;
  /** A window `[top, left, height, width]` cut from each image before resizing (LFW's face crop). */
  crop?: readonly [number, number, number, number];
  /** Resize each image (bilinear) to `[height, width]`; needed when the files differ in size. */
  size?: readonly [number, number];
  /** File extensions taken, lower case. Default `.png`, `.jpg`, `.jpeg`, `.pgm`. */
  extensions?: readonly string[];
}

/** The files of an image folder, its classes, and two ways to read the pixels. */
export interface ImageFolder {
  /** Class names, sorted: the names of the directories. */
  readonly classes: readonly string[];
  /** Every image file with its class index, sorted by path. */
  readonly files: readonly { readonly path: string; readonly label: number }[];
  /** A lazy dataset: each image is read and decoded only when iteration reaches it. */
  dataset(): Dataset<LabeledExample>;
  /** Every image decoded into one {@link ImageSet} (all must share one size, or pass `size`). */
  load(options?: { onProgress?: (done: number, total: number) => void }): Promise<ImageSet>;
}

const EXTENSIONS = ['.png', '.jpg', '.jpeg', '.pgm'];

/**
 * An image folder: one sub-directory per class holding PNG, JPEG or PGM files (AT&T faces' `s1/1.pgm`
 * layout, Keras' `image_dataset_from_directory`, torchvision's `ImageFolder`). `root` is a directory
 * (Node), or the entries of an archive or a browser directory picker.
 *
 * @example
 * ```ts
 * const faces = await imageFolder('att_faces', { channels: 1 });
 * const set = await faces.load();        // [400, 112, 92, 1], classes 's1' … 's40'
 * ```
 */
export async function imageFolder(
  root: string | Iterable<FileEntry | FileLike>,
  options: ImageFolderOptions = {},
): Promise<ImageFolder> {
  const extensions = options.extensions ?? EXTENSIONS;
  const entries = typeof root === 'string' ? await listFolder(root) : [...root].map(toEntry);
  const images = entries
    .filter((entry) => extensions.some((ext) => entry.path.toLowerCase().endsWith(ext)))
    .map((entry) => ({ entry, className: entry.path.split('/').slice(-2, -1)[0] ?? '' }))
    .filter(({ className }) => className !== '')
    .sort((a, b) => (a.entry.path < b.entry.path ? -1 : a.entry.path > b.entry.path ? 1 : 0));
  if (images.length === 0) {
    throw new DatasetError(
      `imageFolder: no ${extensions.join('/')} files in class sub-directories of ${typeof root === 'string' ? root : 'the entries given'}`,
    );
  }
  const classes = [...new Set(images.map((image) => image.className))].sort();
  const files = images.map(({ entry, className }) => ({
    path: entry.path,
    label: classes.indexOf(className),
  }));
  const read = (i: number) => decodeFile(images[i]!.entry, options);

  return {
    classes,
    files,
    dataset: () =>
      Dataset.fromGenerator(async function* () {
        for (let i = 0; i < files.length; i++) yield { x: await read(i), y: files[i]!.label };
      }, files.length),
    async load({ onProgress } = {}) {
      const first = await read(0);
      const [h, w, c] = first.shape;
      const size = h * w * c;
      const pixels = new Uint8Array(files.length * size);
      pixels.set(first.data);
      for (let i = 1; i < files.length; i++) {
        const image = await read(i);
        if (image.shape.some((d, k) => d !== first.shape[k])) {
          throw new DatasetError(
            `imageFolder: ${files[i]!.path} is ${image.shape.join('×')}, ${files[0]!.path} is ${first.shape.join('×')}; pass { size: [height, width] } to resize them to one size`,
          );
        }
        pixels.set(image.data, i * size);
        onProgress?.(i + 1, files.length);
      }
      return {
        images: pixels,
        shape: [files.length, h, w, c],
        labels: Int32Array.from(files, (f) => f.label),
        classes,
      };
    },
  };
}

/** Decodes one image file to bytes `[h, w, c]`, cropped and resized as asked. */
async function decodeFile(
  entry: FileEntry,
  options: ImageFolderOptions,
): Promise<{ data: Uint8Array; shape: [number, number, number] }> {
  const bytes = await entry.read();
  const channels = options.channels ?? 3;
  const isPgm = bytes[0] === 0x50 && (bytes[1] === 0x35 || bytes[1] === 0x32); // 'P5' or 'P2'
  let image: tf.Tensor4D;
  try {
    image = isPgm ? pgmTensor(bytes, channels) : decodeImage(bytes, { channels });
  } catch (error) {
    throw new DatasetError(`imageFolder: cannot decode ${entry.path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const out = tidyThenDispose(image, () => {
    let x: tf.Tensor4D = image;
    if (options.crop) {
      const [top, left, height, width] = options.crop;
      const [, h, w] = x.shape;
      if (top < 0 || left < 0 || top + height > h || left + width > w) {
        throw new DatasetError(
          `imageFolder: the crop [${options.crop.join(', ')}] does not fit ${entry.path} (${h}×${w})`,
        );
      }
      x = tf.slice(x, [0, top, left, 0], [1, height, width, channels]);
    }
    if (options.size) x = tf.image.resizeBilinear(x, [options.size[0], options.size[1]], true);
    return tf.round(tf.mul(tf.clipByValue(x, 0, 1), 255)) as tf.Tensor4D;
  });
  const [, h, w, c] = out.shape;
  const data = Uint8Array.from(await out.data());
  out.dispose();
  return { data, shape: [h, w, c] };
}

function tidyThenDispose<T extends tf.Tensor>(input: tf.Tensor, fn: () => T): T {
  try {
    return tf.tidy(fn);
  } finally {
    input.dispose();
  }
}

function pgmTensor(bytes: Uint8Array, channels: 1 | 3): tf.Tensor4D {
  const { width, height, maxval, data } = parsePgm(bytes);
  return tf.tidy(() => {
    const grey = tf.div(tf.tensor4d(Float32Array.from(data), [1, height, width, 1]), maxval) as tf.Tensor4D;
    return channels === 3 ? tf.tile(grey, [1, 1, 1, 3]) : grey;
  });
}

/** Every file in the class sub-directories of `root` (imageFolder keeps those with image extensions). */
async function listFolder(root: string): Promise<FileEntry[]> {
  const entries: FileEntry[] = [];
  for (const dir of await platform.listDir(root)) {
    if (!dir.directory) continue;
    for (const file of await platform.listDir(`${root}/${dir.name}`)) {
      if (file.directory) continue;
      const path = `${root}/${dir.name}/${file.name}`;
      entries.push({ path, read: () => platform.readFile(path) });
    }
  }
  return entries;
}

function toEntry(item: FileEntry | FileLike): FileEntry {
  if ('read' in item) return item;
  return {
    path: item.webkitRelativePath || item.name,
    read: async () => new Uint8Array(await item.arrayBuffer()),
  };
}
