/**
 * @cnn/linalg — least squares, the SVD, the Moore–Penrose pseudoinverse, orthogonal projectors, QR and
 * the symmetric eigendecomposition on TensorFlow.js tensors, on every backend; and, on the host in float64,
 * the Gram matrix of float32 data (sparse-aware) and the eigendecomposition that keeps its small eigenvalues.
 *
 * @packageDocumentation
 */
export { type ConvMatrixOptions, convMatrix } from './conv_matrix';
export { eigh } from './eigh';
export { type Eigh64Options, type Eigh64Result, eigh64 } from './eigh64';
export { LinalgError } from './errors';
export { GRAM64_MAX_COLUMNS, type Gram64Options, gram64 } from './gram64';
export { jacobiEigen } from './jacobi';
export { type LstsqOptions, type LstsqResult, lstsq } from './lstsq';
export { cond, pinv, type RcondOptions, rank } from './pinv';
export { project, projector } from './projector';
export { type QROptions, qr } from './qr';
export { nullSpace, orth } from './subspaces';
export { type SVDOptions, type SVDResult, svd } from './svd';
