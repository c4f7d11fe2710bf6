import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors';
import { type CallOptions, Layer, type LayerConfig } from '../layer';
import { formatShape, type Shape } from '../shape';

const list = (shapes: readonly Shape[]) => shapes.map(formatShape).join(', ');

/** Two sizes agree if equal or either is unknown; the known one wins. */
function unify(a: number | null, b: number | null): number | null | false {
  if (a === null) return b;
  if (b === null || a === b) return a;
  return false;
}

/**
 * The common shape of inputs that must all have one shape (unknown sizes fit any), or a ShapeError
 * naming the layer and listing the shapes: "`layer`: `what` inputs of one shape, got …".
 *
 * @example
 * ```ts
 * sameShape('add', [[null, 4], [null, 4]], 'adds');   // [null, 4]
 * ```
 */
export function sameShape(layer: string, shapes: readonly Shape[], what: string): Shape {
  const first = shapes[0]!;
  const out = [...first];
  const fits = shapes.every(
    (s) =>
      s.length === first.length &&
      s.every((d, i) => {
        const u = unify(out[i]!, d);
        if (u === false) return false;
        out[i] = u;
        return true;
      }),
  );
  if (!fits) throw new ShapeError(layer, `${what} inputs of one shape, got ${list(shapes)}`);
  return out;
}

/**
 * The engine of the merge layers: a layer of one or more tensors that checks their shapes together and
 * joins them. {@link Add}, {@link Average} and {@link Concatenate} are presets.
 *
 * @example
 * ```ts
 * class Maximum extends Merge {
 *   readonly className = 'Maximum';
 *   protected mergeShapes(shapes) { return sameShape(this.name, shapes, 'takes'); }
 *   protected merge(xs) { return xs.reduce((a, b) => tf.maximum(a, b)); }
 * }
 * ```
 */
export abstract class Merge extends Layer {
  /** The output shape of inputs of these shapes (at least one); throws a ShapeError listing them. */
  protected abstract mergeShapes(shapes: readonly Shape[]): Shape;
  /** Joins two or more tensors whose shapes passed {@link mergeShapes}. */
  protected abstract merge(inputs: readonly tf.Tensor[]): tf.Tensor;

  computeOutputShape(inputShapes: readonly Shape[]): Shape {
    if (inputShapes.length < 1)
      throw new ShapeError(this.name, 'takes a list of at least one input, got none');
    return this.mergeShapes(inputShapes);
  }

  /** One input passes through as it is (a join of one branch, as in FractalNet's first column). */
  call(inputs: readonly tf.Tensor[], _options: CallOptions = {}): tf.Tensor {
    return inputs.length === 1 ? inputs[0]! : this.merge(inputs);
  }
}

/**
 * The sum of its inputs, which must all have one shape: the join of a residual block (He et al. 2016,
 * y = x + F(x)).
 *
 * @example
 * ```ts
 * const y = new Add().apply([shortcut, residual]);
 * ```
 */
export class Add extends Merge {
  readonly className: string = 'Add';

  protected mergeShapes(shapes: readonly Shape[]): Shape {
    return sameShape(this.name, shapes, 'adds');
  }

  protected merge(inputs: readonly tf.Tensor[]): tf.Tensor {
    return inputs.length === 2 ? tf.add(inputs[0]!, inputs[1]!) : tf.addN(inputs as tf.Tensor[]);
  }
}

/**
 * The elementwise mean of its inputs, which must all have one shape: FractalNet's join (Larsson et al.
 * 2017). {@link DropPath} is the same join with local drop-path in training.
 *
 * @example
 * ```ts
 * const y = new Average().apply([column1, column2, column3]);
 * ```
 */
export class Average extends Merge {
  readonly className: string = 'Average';

  protected mergeShapes(shapes: readonly Shape[]): Shape {
    return sameShape(this.name, shapes, 'averages');
  }

  protected merge(inputs: readonly tf.Tensor[]): tf.Tensor {
    const sum = inputs.length === 2 ? tf.add(inputs[0]!, inputs[1]!) : tf.addN(inputs as tf.Tensor[]);
    return tf.mul(sum, 1 / inputs.length);
  }
}

/** Options of {@link Concatenate}. */
export interface ConcatenateConfig extends LayerConfig {
  /** The axis joined along; every other axis must match. Default -1 (channels, NHWC). */
  axis?: number;
}

/**
 * Its inputs joined along one axis (by default the channels): the filter concatenation of an inception
 * module (Szegedy et al. 2015). Every other axis must match.
 *
 * @example
 * ```ts
 * const y = new Concatenate().apply([branch1x1, branch3x3, branch5x5, branchPool]);
 * ```
 */
export class Concatenate extends Merge {
  readonly className: string = 'Concatenate';
  readonly axis: number;

  constructor(config: ConcatenateConfig = {}) {
    super(config);
    this.axis = config.axis ?? -1;
  }

  protected mergeShapes(shapes: readonly Shape[]): Shape {
    const rank = shapes[0]!.length;
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    if (a < 0 || a >= rank) {
      throw new ShapeError(
        this.name,
        `axis ${this.axis} is out of range for inputs of rank ${rank}: ${list(shapes)}`,
      );
    }
    // The other axes must agree: check them as one shape with the joined axis blanked out.
    const blanked = shapes.map((s) => s.map((d, i) => (i === a ? null : d)));
    let out: Shape;
    try {
      out = sameShape(this.name, blanked, 'concatenates');
    } catch {
      throw new ShapeError(
        this.name,
        `concatenates along axis ${this.axis} inputs that match on every other axis, got ${list(shapes)}`,
      );
    }
    const sizes = shapes.map((s) => s[a]!);
    const joined = sizes.some((d) => d === null) ? null : (sizes as number[]).reduce((p, d) => p + d, 0);
    return out.map((d, i) => (i === a ? joined : d));
  }

  protected merge(inputs: readonly tf.Tensor[]): tf.Tensor {
    return tf.concat(inputs as tf.Tensor[], this.axis);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}
