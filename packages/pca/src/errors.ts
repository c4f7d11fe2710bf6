import { CnnError } from '@cnn/core';

/**
 * An argument or a state `@cnn/pca` cannot work with: a tensor of the wrong shape, an option out of range,
 * a model used before it was fitted, a malformed saved model. The message says what was expected and what
 * came.
 *
 * @example
 * ```ts
 * try {
 *   new PCA({ nComponents: 2 }).transform(x);
 * } catch (e) {
 *   if (e instanceof PcaError) console.log(e.message); // "transform: the PCA is not fitted: call fit or partialFit first"
 * }
 * ```
 */
export class PcaError extends CnnError {}
