/**
 * IEEE half precision and bfloat16 from and to float32, for weight files (tfjs' float16-quantised manifests,
 * safetensors' F16/BF16). Rounding is to nearest, ties to even, as numpy's astype(float16) and torch's
 * .to(bfloat16).
 *
 * @example
 * ```ts
 * fromHalf(0x3c00);          // 1
 * toHalf(65504);             // 0x7bff, the largest half
 * fromBfloat16(toBfloat16(Math.PI)); // 3.140625
 * ```
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** A half's 16 bits as a number. */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** The half nearest a number (ties to even), as 16 bits; beyond 65504 it is infinite, NaN stays NaN. */
export function toHalf(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // A subnormal half (or zero): the value in units of 2^-24, rounded to even.
    if (e < -10) return sign;
    const m = mantissa | 0x800000;
    const shift = 14 - e;
    const q = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (q + (rest > half || (rest === half && q & 1) ? 1 : 0));
  }
  const q = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa moves to the next exponent, up to infinity: the bit patterns are ordered.
  return sign | (q + (rest > 0x1000 || (rest === 0x1000 && q & 1) ? 1 : 0));
}

/** A bfloat16's 16 bits as a number: the top half of a float32. */
export function fromBfloat16(h: number): number {
  u32[0] = h << 16;
  return f32[0]!;
}

/** The bfloat16 nearest a number (ties to even), as 16 bits; NaN stays a quiet NaN. */
export function toBfloat16(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  if ((bits & 0x7f800000) === 0x7f800000 && bits & 0x7fffff) return (bits >>> 16) | 0x40;
  return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
}
