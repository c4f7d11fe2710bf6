import { CnnError } from '@cnn/core';

/**
 * Bytes or JSON that are not the weight format read: a header cut short, a length or offset that lies, a
 * dtype or quantization it cannot hold. `format` names the reader ('safetensors', 'weights-manifest'), and
 * the message says what was expected and what came.
 *
 * @example
 * ```ts
 * try { parseSafetensors(bytes); } catch (e) { if (e instanceof WeightFormatError) console.log(e.format); }
 * ```
 */
export class WeightFormatError extends CnnError {
  constructor(
    readonly format: 'safetensors' | 'weights-manifest',
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${format}: ${message}`, options);
  }
}

/**
 * A model weight the file lacks, has in another shape, or a file weight nothing in the model takes.
 * `weight` names it as the model does (`block1_conv1/kernel`).
 *
 * @example
 * ```ts
 * // WeightMatchError: weight block1_conv1/kernel: expected [3,3,3,64], file has [64,3,3,3]
 * ```
 */
export class WeightMatchError extends CnnError {
  constructor(
    readonly weight: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Images or scores of a shape or range preprocessing and decoding cannot take (not NHWC with 3 channels,
 * not [batch, classes], topK out of range).
 *
 * @example
 * ```ts
 * preprocessInput(tf.zeros([1, 8, 8, 1]), 'caffe'); // PreprocessError: caffe preprocessing takes RGB images …
 * ```
 */
export class PreprocessError extends CnnError {}
