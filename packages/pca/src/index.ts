/**
 * @cnn/pca — principal component analysis on TensorFlow.js tensors, with scikit-learn's semantics: exact,
 * randomized and incremental fits, whitening, a fraction of variance as the number of components, and
 * models saved as JSON.
 *
 * @packageDocumentation
 */
export { componentsForFraction, type Solver } from './components';
export { PcaError } from './errors';
export { PCA, type PCAOptions } from './pca';
export type { PcaJSON } from './serialization';
