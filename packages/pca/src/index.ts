/**
 * @cnn/pca — principal component analysis on TensorFlow.js tensors, with scikit-learn's semantics: exact,
 * randomized and incremental fits, whitening, a fraction of variance as the number of components, and
 * models saved as JSON; and eigenfaces (Turk & Pentland 1991) built on it: distance from face space,
 * identification, location by convolutions, tracking and occluded reconstruction.
 *
 * @packageDocumentation
 */
export { componentsForFraction, type Solver } from './components';
export { MIN_STD, type Normalized, normalizeContrast } from './contrast';
export { EigenFaces, type EigenFacesOptions } from './eigenfaces';
export type { EigenFacesJSON } from './eigenfaces_json';
export { PcaError } from './errors';
export type { Detection, Located, LocateOptions, ScaleMap } from './locate';
export { PCA, type PCAOptions } from './pca';
export type { Identification } from './people';
export {
  type EigenfacePictures,
  type EigenfacePicturesOptions,
  eigenfacePictures,
  type ImageGridOptions,
  imageGrid,
  type Picture,
  type TileScale,
} from './pictures';
export {
  type Box,
  type ScenePlacement,
  type SyntheticScene,
  type SyntheticSceneOptions,
  syntheticScene,
} from './scene';
export type { PcaJSON } from './serialization';
export { type SyntheticFaces, type SyntheticFacesOptions, syntheticFaces } from './synthetic_faces';
export { type NonFacePatchesOptions, nonFacePatches, TEXTURES, type Texture } from './textures';
export type { TrackOptions } from './track';
