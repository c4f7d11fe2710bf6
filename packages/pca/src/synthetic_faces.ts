import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { PcaError } from './errors';

/**
 * Faces drawn from a small parametric model, for tests and demos until `@cnn/datasets` ships real ones: a
 * head ellipse with hair, brows, eyes, a nose and a mouth whose sizes and places are a person's own, seen
 * with a little pose, expression and lighting jitter and pixel noise — aligned grayscale faces like the
 * frontal, centred ones eigenfaces were made for.
 */

/** A person's fixed features, in coordinates of the face square ([−1, 1] on each axis, y down). */
interface Person {
  headW: number;
  headH: number;
  skin: number;
  hair: number;
  hairline: number;
  eyeY: number;
  eyeDx: number;
  eyeRx: number;
  eyeRy: number;
  browUp: number;
  browW: number;
  browTilt: number;
  noseLen: number;
  noseW: number;
  mouthY: number;
  mouthW: number;
  mouthT: number;
  mouthCurve: number;
  chin: number;
  background: number;
}

/** One picture's conditions: pose, expression, light, a background a little off the person's usual. */
interface Shot {
  dx: number;
  dy: number;
  scale: number;
  angle: number;
  smile: number;
  blink: number;
  lightX: number;
  lightY: number;
  gain: number;
  offset: number;
  background: number;
  noise: number;
}

/** Person `p` of the population `seed`: the same on every call, for every image size. */
function person(seed: number, p: number): Person {
  const rng = new Rng(seed * 100_003 + p * 7 + 1);
  const u = (a: number, b: number) => rng.uniform(a, b);
  return {
    headW: u(0.6, 0.8),
    headH: u(0.8, 0.96),
    skin: u(0.5, 0.85),
    hair: u(0.02, 0.35),
    hairline: u(-0.72, -0.4),
    eyeY: u(-0.25, -0.05),
    eyeDx: u(0.22, 0.4),
    eyeRx: u(0.08, 0.15),
    eyeRy: u(0.04, 0.085),
    browUp: u(0.1, 0.2),
    browW: u(0.03, 0.07),
    browTilt: u(-0.35, 0.35),
    noseLen: u(0.15, 0.32),
    noseW: u(0.05, 0.12),
    mouthY: u(0.33, 0.55),
    mouthW: u(0.14, 0.3),
    mouthT: u(0.025, 0.065),
    mouthCurve: u(-0.12, 0.12),
    chin: u(0.0, 0.25),
    background: u(0.15, 0.45),
  };
}

function shot(rng: Rng, jitter: number, noise: number): Shot {
  const u = (a: number) => rng.uniform(-a, a) * jitter;
  return {
    dx: u(0.05),
    dy: u(0.05),
    scale: 1 + u(0.05),
    angle: u(0.08),
    smile: u(0.06),
    blink: 1 + u(0.25),
    lightX: u(0.12),
    lightY: u(0.08),
    gain: 1 + u(0.2),
    offset: u(0.08),
    background: u(0.04),
    noise,
  };
}

/** Coverage of a shape from an approximate signed distance (negative inside), anti-aliased over a pixel. */
const cover = (sd: number, pixel: number) => Math.min(1, Math.max(0, 0.5 - sd / pixel));

/** Signed distance (approximate) to an axis-aligned ellipse centred at (cx, cy). */
function ellipse(x: number, y: number, cx: number, cy: number, rx: number, ry: number): number {
  return (Math.hypot((x - cx) / rx, (y - cy) / ry) - 1) * Math.min(rx, ry);
}

/** Renders one face of `size`² pixels into `out` at `offset`, values in [0, 1]. */
function render(out: Float32Array, offset: number, size: number, p: Person, s: Shot, rng: Rng): void {
  const pixel = 2 / size;
  const cos = Math.cos(s.angle);
  const sin = Math.sin(s.angle);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      // Pixel centre in face coordinates, the pose undone.
      const px = ((col + 0.5) / size) * 2 - 1 - s.dx;
      const py = ((row + 0.5) / size) * 2 - 1 - s.dy;
      const x = (cos * px + sin * py) / s.scale;
      const y = (-sin * px + cos * py) / s.scale;
      let v = p.background + s.background + 0.05 * y;
      // Head: an ellipse widened towards the cheeks by `chin` below the eyes, shaded towards its rim.
      const headW = p.headW * (y > 0 ? 1 - p.chin * y * y : 1);
      const head = cover(ellipse(x, y, 0, 0.02, headW, p.headH), pixel);
      const rim = Math.min(1, (x / headW) ** 2 + (y / p.headH) ** 2);
      v += head * (p.skin * (1 - 0.25 * rim) - v);
      // Hair above a slightly wavy hairline, inside the head and a little beyond it.
      const hairLine = p.hairline + 0.04 * Math.sin(6 * x);
      const hairMask =
        cover(y - hairLine, pixel) * cover(ellipse(x, y, 0, 0.0, headW * 1.06, p.headH * 1.04), pixel);
      v += hairMask * (p.hair - v);
      for (const side of [-1, 1]) {
        const ex = side * p.eyeDx;
        // Brow: a tilted bar above the eye.
        const by = p.eyeY - p.browUp + side * p.browTilt * (x - ex) * 0.5;
        const brow = cover(Math.max(Math.abs(y - by) - p.browW / 2, Math.abs(x - ex) - p.eyeRx * 1.2), pixel);
        v += brow * (p.hair * 0.8 + 0.05 - v);
        // Eye: a light almond with a dark iris; `blink` narrows it.
        const ry = p.eyeRy * Math.min(1.2, s.blink);
        const eye = cover(ellipse(x, y, ex, p.eyeY, p.eyeRx, ry), pixel);
        v += eye * (0.85 - v);
        const iris = cover(ellipse(x, y, ex, p.eyeY, ry * 1.1, ry), pixel) * eye;
        v += iris * (0.08 - v);
      }
      // Nose: a shadow down its side and a dark base.
      const ny = p.eyeY + 0.1;
      const bridge = cover(
        Math.max(Math.abs(x - p.noseW * 0.6) - 0.025, Math.abs(y - ny - p.noseLen / 2) - p.noseLen / 2),
        pixel,
      );
      v += bridge * 0.35 * (0.15 - v);
      const base = cover(ellipse(x, y, 0, ny + p.noseLen, p.noseW, 0.035), pixel);
      v += base * 0.6 * (0.15 - v);
      // Mouth: a bar bent by `mouthCurve` plus the shot's smile.
      const bend = (p.mouthCurve + s.smile) * (1 - (x / p.mouthW) ** 2);
      const mouth = cover(
        Math.max(Math.abs(y - p.mouthY + bend) - p.mouthT / 2, Math.abs(x) - p.mouthW),
        pixel,
      );
      v += mouth * (0.12 + p.skin * 0.2 - v);
      // Light: a gain, an offset and a linear ramp across the face; then sensor noise.
      v = v * s.gain * (1 + s.lightX * x + s.lightY * y) + s.offset + s.noise * rng.normal();
      out[offset + row * size + col] = Math.min(1, Math.max(0, v));
    }
  }
}

/** Options of {@link syntheticFaces}. */
export interface SyntheticFacesOptions {
  /** Distinct people (default 10). */
  people?: number;
  /** Images of each person (default 10). */
  perPerson?: number;
  /** Side of the square images in pixels (default 24). */
  size?: number;
  /** The population: same seed, same people and same images (default 0). */
  seed?: number;
  /** Index of the first person (default 0): `firstPerson: 100` draws strangers to people 0…99 of the seed. */
  firstPerson?: number;
  /** Pose, expression and lighting variation, 0 (every image of a person the same) to 1 (default). */
  jitter?: number;
  /** Standard deviation of the pixel noise (default 0.02). */
  noise?: number;
}

/** Faces and whose they are. */
export interface SyntheticFaces {
  /** [people × perPerson, size, size, 1], values in [0, 1], person by person. */
  images: tf.Tensor4D;
  /** The person of each image: firstPerson … firstPerson + people − 1. */
  labels: Int32Array;
}

const positiveInteger = (fn: string, name: string, v: number) => {
  if (!Number.isInteger(v) || v < 1)
    throw new PcaError(`${fn}: ${name} must be a positive integer, got ${String(v)}`);
};

/**
 * Renders aligned grayscale faces of `people` synthetic people, `perPerson` images each, seeded: the same
 * options give the same pixels on every backend. The caller disposes `images`.
 *
 * @example
 * ```ts
 * const { images, labels } = syntheticFaces({ people: 20, perPerson: 8, size: 24, seed: 1 });
 * const model = EigenFaces.fit(images, { k: 20, labels });
 * ```
 */
export function syntheticFaces(options: SyntheticFacesOptions = {}): SyntheticFaces {
  const {
    people = 10,
    perPerson = 10,
    size = 24,
    seed = 0,
    firstPerson = 0,
    jitter = 1,
    noise = 0.02,
  } = options;
  positiveInteger('syntheticFaces', 'people', people);
  positiveInteger('syntheticFaces', 'perPerson', perPerson);
  positiveInteger('syntheticFaces', 'size', size);
  if (!Number.isSafeInteger(seed) || !Number.isInteger(firstPerson) || firstPerson < 0) {
    throw new PcaError(
      `syntheticFaces: seed and firstPerson must be integers (firstPerson ≥ 0), got ${seed}, ${firstPerson}`,
    );
  }
  if (!(jitter >= 0) || !(noise >= 0)) {
    throw new PcaError(`syntheticFaces: jitter and noise must be ≥ 0, got ${jitter}, ${noise}`);
  }
  const n = people * perPerson;
  const pixels = new Float32Array(n * size * size);
  const labels = new Int32Array(n);
  const rng = new Rng(seed * 31 + firstPerson * 1_000_033 + 5);
  for (let i = 0; i < people; i++) {
    const face = person(seed, firstPerson + i);
    for (let j = 0; j < perPerson; j++) {
      const index = i * perPerson + j;
      labels[index] = firstPerson + i;
      render(pixels, index * size * size, size, face, shot(rng, jitter, noise), rng);
    }
  }
  return { images: tf.tensor4d(pixels, [n, size, size, 1]), labels };
}

/**
 * One face of person `p` of population `seed` as `size`² pixels (row-major), with the jitter `rng` draws:
 * what {@link syntheticScene} pastes.
 */
export function renderFace(seed: number, p: number, size: number, rng: Rng, noise = 0.02): Float32Array {
  const out = new Float32Array(size * size);
  render(out, 0, size, person(seed, p), shot(rng, 1, noise), rng);
  return out;
}
