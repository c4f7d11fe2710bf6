import { ShapeError } from './errors';

/** A tensor's shape with the batch axis (and any unknown one) as `null`: `[null, 28, 28, 1]`. */
export type Shape = readonly (number | null)[];

/** 'same' and 'valid' as tfjs and Keras mean them, or explicit zero padding on each side. */
export type Padding = 'same' | 'valid' | number | readonly [number, number];

/** A number, or one per spatial axis. */
export type Pair = number | readonly [number, number];

export function pair(value: Pair): [number, number] {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}

export function formatShape(shape: Shape): string {
  return `[${shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`;
}

/**
 * The output length of a convolution or pooling along one axis: ⌊(W − F + 2P)/S⌋ + 1 for explicit or
 * 'valid' padding (F the dilated window), ⌈W/S⌉ for 'same'. A window that does not fit throws a
 * {@link ShapeError} naming the layer and showing that arithmetic.
 */
export function outputLength(
  layer: string,
  axis: string,
  size: number | null,
  window: number,
  stride: number,
  padding: 'same' | 'valid' | readonly [number, number],
  dilation = 1,
): number | null {
  if (size === null) return null;
  const span = (window - 1) * dilation + 1;
  if (padding === 'same') return Math.ceil(size / stride);
  const [before, after] = padding === 'valid' ? [0, 0] : padding;
  const out = Math.floor((size - span + before + after) / stride) + 1;
  if (out < 1) {
    const p = before === after ? `2·${before}` : `${before} + ${after}`;
    const f = dilation > 1 ? `${span} (a ${window}-wide window dilated by ${dilation})` : `${span}`;
    throw new ShapeError(
      layer,
      `the ${axis} of its input, ${size}, is too small: (W − F + 2P)/S + 1 = (${size} − ${f} + ${p})/${stride} + 1 = ${(size - span + before + after) / stride + 1} < 1`,
    );
  }
  return out;
}

/** The padding on each side of one axis, from a layer's `padding` option. */
export function sidePadding(padding: Padding, axis: 0 | 1): 'same' | 'valid' | readonly [number, number] {
  if (padding === 'same' || padding === 'valid') return padding;
  if (typeof padding === 'number') return [padding, padding];
  const p = padding[axis];
  return [p, p];
}
