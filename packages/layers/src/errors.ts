import { CnnError } from '@cnn/core';

/** Shapes that do not fit a layer: the message names the layer and shows the arithmetic. */
export class ShapeError extends CnnError {
  constructor(
    /** The layer whose input did not fit. */
    readonly layer: string,
    message: string,
  ) {
    super(`${layer}: ${message}`);
  }
}

/** A layer or model used wrongly: bad options, a name that is not there, a model not compiled. */
export class LayerError extends CnnError {}
