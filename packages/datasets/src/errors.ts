import { CnnError } from '@cnn/core';

/**
 * Bytes that are not what a parser reads: a wrong magic number, a truncated file, counts that disagree, a
 * shape or type it cannot hold. `format` names the parser ('idx', 'cifar', 'npy', …) so one `catch` can
 * tell them apart; the message says what was expected and what came.
 */
export class FormatError extends CnnError {
  constructor(
    readonly format: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${format}: ${message}`, options);
  }
}

/** A download or read that failed, or bytes whose SHA-256 is not the one expected. */
export class SourceError extends CnnError {
  constructor(
    message: string,
    /** The URL or path that failed. */
    readonly source: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Options to a pipeline step, split or loader that cannot be honoured (a batch size of 0, fractions > 1 …). */
export class DatasetError extends CnnError {}
