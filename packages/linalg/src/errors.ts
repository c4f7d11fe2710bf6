import { CnnError } from '@cnn/core';

/**
 * An argument `@cnn/linalg` cannot work with: a tensor of the wrong rank, shape or dtype, an option out of
 * range. The message says what was expected and what came.
 */
export class LinalgError extends CnnError {}
