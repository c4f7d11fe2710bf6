/**
 * @cnn/datasets — the seeds' data in their real formats (IDX, CIFAR binaries, NumPy, PGM, MAT, image
 * folders), named sets downloaded once with a checksum and a cache, 10,000 MNIST digits that need no
 * download, and a lazy `Dataset` pipeline with seeded shuffling, batching, augmentation, normalisation
 * and stratified splits.
 *
 * @packageDocumentation
 */
export { Augmenter, type AugmentOptions } from './augment';
export { CATALOG, type CatalogEntry, type CatalogName, type RemoteFile } from './catalog';
export type { Batched, Example, Field } from './collate';
export { Dataset, type LabeledExample } from './dataset';
export { mnistEmbedded } from './embedded/mnist';
export { DatasetError, FormatError, SourceError } from './errors';
export { type FileEntry, type ImageFolder, type ImageFolderOptions, imageFolder } from './folder';
export {
  CIFAR10_CLASSES,
  type CifarOptions,
  type CifarVariant,
  cifarArchive,
  parseCifar,
} from './formats/cifar';
export { encodeIdx, idxImageSet, parseIdx } from './formats/idx';
export { encodeMat, parseMat } from './formats/mat';
export type { DType, NdArray, TypedArray } from './formats/ndarray';
export { encodeNpy, parseNpy } from './formats/npy';
export { encodeNpz, parseNpz } from './formats/npz';
export { encodePgm, type PgmImage, parsePgm } from './formats/pgm';
export { encodeTar, readTar, type TarEntry } from './formats/tar';
export { type ImageSet, imageSet, type Pixels, subset } from './image_set';
export {
  cifar10,
  cifar100,
  fashionMnist,
  type LfwOptions,
  lfwPeople,
  mnist,
  type NamedOptions,
  olivettiFaces,
  type TrainTest,
} from './named';
export { type ChannelStats, channelStats, normalize, oneHot, type ScaleOptions } from './normalize';
export { defaultCacheDir, type LoadOptions, loadBytes, type Source } from './source';
export { type Fold, kFold, type SplitOptions, split, splitIndices } from './split';
export {
  type AffineMatrix,
  compose,
  flip,
  identity,
  rotation,
  scaling,
  translation,
  type WarpOptions,
  warpAffine,
} from './warp';
