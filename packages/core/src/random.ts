import * as tf from '@tensorflow/tfjs-core';
import { CnnError } from './errors';

/** The four 32-bit words of an {@link Rng}'s state: save it with a checkpoint, resume with `Rng.fromState`. */
export interface RngState {
  readonly s: readonly [number, number, number, number];
}

const TWO_POW_32 = 2 ** 32;
const TWO_POW_53 = 2 ** 53;
// xoshiro128**'s jump polynomial: advances the state by 2^64 draws.
const JUMP = [0x8764000b, 0xf542d2d3, 0x6fa035c3, 0x77f2db5b] as const;

const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));

/** splitmix32: spreads any seed over all 32 bits, so nearby seeds give unrelated streams. */
function splitmix32(state: { z: number }): number {
  state.z = (state.z + 0x9e3779b9) | 0;
  let z = state.z;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * The seeded random generator every cnn package draws from: initialisers, shuffles, augmentation,
 * dropout. xoshiro128** (Blackman & Vigna): fast on 32-bit integer arithmetic, 2^128 − 1 period, and
 * `fork()` hands out non-overlapping streams, so one component drawing more never shifts another's draws.
 * Tensors made by {@link Rng.randomNormal} and friends are drawn here, in JavaScript, so they are the
 * same on every backend.
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * const w = rng.truncatedNormal([5, 5, 1, 32], 0, 0.1);   // same numbers on cpu, wasm and webgl
 * const order = rng.permutation(60_000);                  // a shuffled epoch
 * const dropoutRng = rng.fork();                          // its own stream
 * ```
 */
export class Rng {
  readonly #s = new Uint32Array(4);

  /** @param seed any safe integer; the same seed gives the same stream on every platform. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new CnnError(`Rng: the seed must be a safe integer, got ${String(seed)}`);
    }
    const mix = { z: (seed >>> 0) ^ Math.imul(Math.floor(seed / TWO_POW_32) | 0, 0x9e3779b1) };
    for (let i = 0; i < 4; i++) this.#s[i] = splitmix32(mix);
  }

  /** A generator seeded from the platform's cryptographic source, for runs that need not repeat. */
  static fromEntropy(): Rng {
    const words = new Uint32Array(2);
    globalThis.crypto.getRandomValues(words);
    return new Rng((words[0]! & 0x1fffff) * TWO_POW_32 + words[1]!);
  }

  /** Resumes a generator saved with {@link Rng.getState}. */
  static fromState(state: RngState): Rng {
    const s = state?.s;
    if (
      !Array.isArray(s) ||
      s.length !== 4 ||
      s.some((w) => !Number.isInteger(w) || w < 0 || w >= TWO_POW_32)
    ) {
      throw new CnnError(`Rng.fromState: expected { s: [four uint32 words] }, got ${JSON.stringify(state)}`);
    }
    if (s.every((w) => w === 0)) throw new CnnError('Rng.fromState: the all-zero state is not a valid state');
    const rng = new Rng(0);
    rng.#s.set(s);
    return rng;
  }

  /** The current state, as plain JSON. */
  getState(): RngState {
    const [a, b, c, d] = this.#s;
    return { s: [a!, b!, c!, d!] };
  }

  /** The next 32 random bits, as an integer in [0, 2^32). */
  uint32(): number {
    const s = this.#s;
    const [s0, s1, s2, s3] = [s[0]!, s[1]!, s[2]!, s[3]!];
    const t2 = s2 ^ s0;
    const t3 = s3 ^ s1;
    s[0] = s0 ^ t3;
    s[1] = s1 ^ t2;
    s[2] = t2 ^ (s1 << 9);
    s[3] = rotl(t3, 11);
    return Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  }

  /** A float in [0, 1) with all 53 bits of a double random. */
  float(): number {
    return ((this.uint32() >>> 5) * 67108864 + (this.uint32() >>> 6)) / TWO_POW_53;
  }

  /** A float in [min, max). */
  uniform(min = 0, max = 1): number {
    return min + (max - min) * this.float();
  }

  /** An integer in [0, n), each equally likely (rejection sampling: no modulo bias). n ≤ 2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new CnnError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.uint32();
    while (x >= limit) x = this.uint32();
    return x % n;
  }

  /** A normal draw (Marsaglia's polar method). */
  normal(mean = 0, stdDev = 1): number {
    const [u, f] = this.#polar();
    return mean + stdDev * u * f;
  }

  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T, A extends { [i: number]: T; length: number }>(array: A): A {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = array[i] as T;
      array[i] = array[j] as T;
      array[j] = t;
    }
    return array;
  }

  /** The integers 0 … n − 1 in random order. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /**
   * An independent generator: it takes over this stream as it stands, and this one jumps 2^64 draws ahead,
   * so the two never overlap.
   */
  fork(): Rng {
    const child = Rng.fromState(this.getState());
    this.#jump();
    return child;
  }

  /** An integer seed for tfjs ops that take one (`tf.dropout`, `tf.image.randomCrop` …). */
  nextSeed(): number {
    return this.uint32();
  }

  /** A tensor of normal draws. */
  randomNormal(shape: number[], mean = 0, stdDev = 1): tf.Tensor {
    return tf.tensor(this.#normals(sizeOf(shape), mean, stdDev, false), shape, 'float32');
  }

  /** A tensor of normal draws with those beyond two standard deviations drawn again (TensorFlow's rule). */
  truncatedNormal(shape: number[], mean = 0, stdDev = 1): tf.Tensor {
    return tf.tensor(this.#normals(sizeOf(shape), mean, stdDev, true), shape, 'float32');
  }

  /** A tensor of uniform draws in [min, max). */
  randomUniform(shape: number[], min = 0, max = 1): tf.Tensor {
    const values = this.#floats(new Float32Array(sizeOf(shape)), min, max - min);
    return tf.tensor(values, shape, 'float32');
  }

  /**
   * `out` filled with offset + scale · {@link Rng.float}, exactly as out.length calls would draw them, with
   * xoshiro128** inlined on local copies of the state (~3× faster: a model's millions of initial weights).
   */
  #floats<T extends Float32Array | Float64Array>(out: T, offset = 0, scale = 1): T {
    const n = out.length;
    const state = this.#s;
    let [s0, s1, s2, s3] = [state[0]! | 0, state[1]! | 0, state[2]! | 0, state[3]! | 0];
    for (let i = 0; i < n; i++) {
      let word = 0;
      let hi = 0;
      for (let half = 0; half < 2; half++) {
        word = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
        const t2 = s2 ^ s0;
        const t3 = s3 ^ s1;
        s0 ^= t3;
        s2 = t2 ^ (s1 << 9);
        s1 ^= t2;
        s3 = rotl(t3, 11);
        if (half === 0) hi = word >>> 5;
      }
      out[i] = offset + scale * ((hi * 67108864 + (word >>> 6)) / TWO_POW_53);
    }
    state[0] = s0;
    state[1] = s1;
    state[2] = s2;
    state[3] = s3;
    return out;
  }

  /** Normal draws, both values of each polar pair used; `truncate` redraws those beyond 2σ. */
  #normals(n: number, mean: number, stdDev: number, truncate: boolean): Float32Array {
    const out = new Float32Array(n);
    // Floats come from #floats in chunks of two per polar draw still certain to be made (`pairs`, this one
    // included): never more than are drawn, so that the state ends where normal() calls would leave it —
    // the same stream as before, ~1.4× faster. Draws take floats two at a time, so chunks end between draws.
    let buffer: Float64Array = new Float64Array(0);
    let at = 0;
    let [u, v, f] = [0, 0, 0];
    const polar = (pairs: number) => {
      for (;;) {
        if (at === buffer.length) {
          buffer = this.#floats(new Float64Array(2 * pairs));
          at = 0;
        }
        u = 2 * buffer[at++]! - 1;
        v = 2 * buffer[at++]! - 1;
        const s = u * u + v * v;
        if (s > 0 && s < 1) {
          f = Math.sqrt((-2 * Math.log(s)) / s);
          return;
        }
      }
    };
    for (let i = 0; i < n; i += 2) {
      const pairs = Math.ceil((n - i) / 2);
      polar(pairs);
      let [a, b] = [u * f, v * f];
      // Truncation redraws as normal() would: a new polar draw, its first value.
      while (truncate && Math.abs(a) > 2) {
        polar(pairs);
        a = u * f;
      }
      out[i] = mean + stdDev * a;
      if (i + 1 === n) break;
      while (truncate && Math.abs(b) > 2) {
        polar(pairs);
        b = u * f;
      }
      out[i + 1] = mean + stdDev * b;
    }
    return out;
  }

  /** Marsaglia's polar method: a point (u, v) in the unit disc and the factor that makes u·f, v·f normal. */
  #polar(): [number, number, number] {
    for (;;) {
      const u = 2 * this.float() - 1;
      const v = 2 * this.float() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) return [u, Math.sqrt((-2 * Math.log(s)) / s), v];
    }
  }

  #jump(): void {
    const next = new Uint32Array(4);
    for (const word of JUMP) {
      for (let b = 0; b < 32; b++) {
        if (word & (1 << b)) for (let i = 0; i < 4; i++) next[i] = next[i]! ^ this.#s[i]!;
        this.uint32();
      }
    }
    this.#s.set(next);
  }
}

function sizeOf(shape: number[]): number {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new CnnError(`Rng: a shape is a list of non-negative integers, got [${shape.join(', ')}]`);
  }
  return shape.reduce((a, b) => a * b, 1);
}
