import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { installKernels, nativeKernel } from './kernels';
import { expectNoLeaks } from './leak';
import { Rng } from './random';

const backend = tf.getBackend();

/** Σ of the rows of x with each id, ids outside [0, n) dropped: TensorFlow's unsorted_segment_sum. */
function segmentSums(x: Float32Array, ids: number[], n: number, width: number): Float32Array {
  const out = new Float32Array(n * width);
  ids.forEach((id, row) => {
    if (id >= 0 && id < n) for (let j = 0; j < width; j++) out[id * width + j]! += x[row * width + j]!;
  });
  return out;
}

describe(`kernel fills on ${backend}`, () => {
  it('fills exactly the kernels the backend lacks and replaces the measured-slower ones, once', () => {
    const expected = {
      cpu: { filled: [], replaced: ['Conv2DBackpropFilter'] },
      wasm: {
        filled: [
          'Conv2DBackpropFilter',
          'DepthwiseConv2dNativeBackpropFilter',
          'DepthwiseConv2dNativeBackpropInput',
          'UnsortedSegmentSum',
          'CnnAdam',
          'CnnReluGrad',
          'CnnBiasRelu',
        ],
        replaced: [
          'Conv2DBackpropInput',
          'BatchMatMul',
          '_FusedMatMul',
          'MaxPoolGrad',
          'Sum',
          'Identity',
          'Reverse',
          'GatherV2',
          'Slice',
          'Transpose',
        ],
      },
    }[backend];
    const done = installKernels(backend);
    expect(done).toEqual(expected);
    expect(installKernels(backend)).toBe(done);
    for (const name of ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'UnsortedSegmentSum']) {
      expect(tf.getKernel(name, backend), name).toBeDefined();
    }
  });

  it('switches the replacements off and on again, keeping the fills', () => {
    const { filled, replaced } = installKernels(backend);
    const natives = replaced.map((name) => nativeKernel(name, backend));
    // Core's own fused kernels go too: without them applyAdam, ReLU's gradient and biasRelu use tfjs ops.
    const own = ['CnnAdam', 'CnnReluGrad', 'CnnBiasRelu'].filter((name) => filled.includes(name));
    expect(own.length).toBe(backend === 'wasm' ? 3 : 0);
    const fills = filled.filter((name) => !own.includes(name));
    expect(installKernels(backend, { replace: false })).toEqual({ filled: fills, replaced: [] });
    for (const name of own) expect(tf.getKernel(name, backend), name).toBeUndefined();
    replaced.forEach((name, i) => {
      expect(tf.getKernel(name, backend), name).toBe(natives[i]);
    });
    for (const name of fills) expect(tf.getKernel(name, backend), name).toBeDefined();
    expect(installKernels(backend)).toEqual({ filled, replaced });
    for (const name of own) expect(tf.getKernel(name, backend), name).toBeDefined();
    for (const name of replaced)
      expect(tf.getKernel(name, backend), name).not.toBe(nativeKernel(name, backend));
  });

  it('computes conv2dTranspose (which runs Conv2DBackpropInput) as its definition says', () => {
    // Each input pixel scatters its value times the filter into the output at stride 2.
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const filter = tf.tensor4d([1, 10, 100, 1000], [2, 2, 1, 1]);
    const y = tf.conv2dTranspose(x, filter, [1, 4, 4, 1], 2, 'valid');
    // biome-ignore format: the 4×4 output, row by row
    expect(Array.from(y.dataSync())).toEqual([
      1, 10, 2, 20,
      100, 1000, 200, 2000,
      3, 30, 4, 40,
      300, 3000, 400, 4000,
    ]);
    tf.dispose([x, filter, y]);
  });

  it('sums segments with duplicate and out-of-range ids (the gradient of gather)', async () => {
    const rng = new Rng(4);
    const x = rng.randomNormal([7, 2, 3]);
    const ids = [3, 0, 3, -1, 5, 4, 3];
    const expected = segmentSums(x.dataSync() as Float32Array, ids, 5, 6);
    const segmentIds = tf.tensor1d(ids, 'int32');
    const sums = await expectNoLeaks(() =>
      tf.engine().runKernel<tf.Tensor>('UnsortedSegmentSum', { x, segmentIds }, { numSegments: 5 }),
    );
    expect(sums.shape).toEqual([5, 2, 3]);
    expect(Array.from(sums.dataSync())).toEqual(Array.from(expected).map((v) => expect.closeTo(v, 5)));
    tf.dispose([x, segmentIds, sums]);
  });

  it('differentiates gather', () => {
    const table = new Rng(6).randomNormal([6, 4]);
    const weights = new Rng(7).randomNormal([5, 4]);
    const idx = [2, 0, 2, 5, 2];
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(idx, 'int32')), weights)))(
      table,
    );
    const expected = segmentSums(weights.dataSync() as Float32Array, idx, 6, 4);
    expect(Array.from(grad.dataSync())).toEqual(Array.from(expected).map((v) => expect.closeTo(v, 5)));
    tf.dispose([table, weights, grad]);
  });
});
