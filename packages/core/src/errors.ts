/**
 * The base of every error the cnn packages throw on purpose: catch `CnnError` to tell them from bugs.
 * Messages say what was expected and what came.
 */
export class CnnError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A backend that was asked for could not be initialised. */
export class BackendError extends CnnError {
  constructor(
    message: string,
    /** Every backend tried, with the reason it was not used. */
    readonly attempts: readonly SkippedBackend[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A backend passed over by `ready`, and why. */
export interface SkippedBackend {
  readonly backend: string;
  readonly reason: string;
}

/** Bytes that are not a decodable image, or a tensor that is not an encodable one. */
export class ImageError extends CnnError {}

/** A function left tensors alive that it neither disposed nor returned. */
export class TensorLeakError extends CnnError {
  constructor(
    message: string,
    /** Tensors alive after the call that were not alive before and are not in its result. */
    readonly leaked: number,
  ) {
    super(message);
  }
}
