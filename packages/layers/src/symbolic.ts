import type { Layer } from './layer';
import { formatShape, type Shape } from './shape';

/**
 * A tensor-to-be in a model graph: the output of one application of a layer to other symbolic tensors
 * (or a model input). It holds no values; `model({ inputs, outputs })` turns the graph into a model.
 */
export class SymbolicTensor {
  constructor(
    /** The layer applied, or the input layer. */
    readonly layer: Layer,
    /** What it was applied to (none for an input). */
    readonly inputs: readonly SymbolicTensor[],
    readonly shape: Shape,
    /** The activation's name: the layer's name, with `:k` for its k-th reuse (shared layers). */
    readonly name: string,
  ) {}

  toString(): string {
    return `${this.name} ${formatShape(this.shape)}`;
  }
}
