import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { encodeSafetensors, parseSafetensors, type SafeTensorInput } from './safetensors';

// Test fixtures of the torch tests: a state dict in torch's layouts, and torch's forward semantics.

export type StateDict = Record<string, SafeTensorInput>;

/** A torch state dict of random values in torch's layouts (OIHW, [out, in]), as a checkpoint would hold. */
export class Torch {
  readonly state: StateDict = {};
  readonly #rng: Rng;
  constructor(seed: number) {
    this.#rng = new Rng(seed);
  }
  #put(name: string, shape: number[], f: () => number) {
    const n = shape.reduce((a, b) => a * b, 1);
    this.state[name] = { shape, values: Float32Array.from({ length: n }, f) };
  }
  conv(name: string, out: number, inC: number, k: number, bias = true) {
    this.#put(`${name}.weight`, [out, inC, k, k], () => this.#rng.normal() * 0.3);
    if (bias) this.#put(`${name}.bias`, [out], () => this.#rng.normal() * 0.1);
  }
  bn(name: string, c: number) {
    this.#put(`${name}.weight`, [c], () => 1 + this.#rng.normal() * 0.1);
    this.#put(`${name}.bias`, [c], () => this.#rng.normal() * 0.1);
    this.#put(`${name}.running_mean`, [c], () => this.#rng.normal() * 0.1);
    this.#put(`${name}.running_var`, [c], () => 0.5 + this.#rng.float());
    this.state[`${name}.num_batches_tracked`] = { dtype: 'I64', shape: [], values: [100] };
  }
  linear(name: string, out: number, inputs: number) {
    this.#put(`${name}.weight`, [out, inputs], () => this.#rng.normal() * 0.2);
    this.#put(`${name}.bias`, [out], () => this.#rng.normal() * 0.1);
  }
  t(name: string): tf.Tensor {
    const { shape, values } = this.state[name]!;
    return tf.tensor(Array.from(values), [...shape]);
  }
}

// The reference: torch's semantics on the torch-layout tensors, with tfjs ops: conv kernels permuted by
// tf.transpose, BatchNorm with torch's eps 1e-5, flatten in NCHW order, Linear as x·Wᵀ + b.
export const refConv = (x: tf.Tensor4D, t: Torch, name: string, stride: number, pad: number, bias = true) => {
  const y = tf.conv2d(x, tf.transpose(t.t(`${name}.weight`), [2, 3, 1, 0]) as tf.Tensor4D, stride, [
    [0, 0],
    [pad, pad],
    [pad, pad],
    [0, 0],
  ]);
  return bias ? tf.add(y, t.t(`${name}.bias`)) : y;
};
export const refBn = (x: tf.Tensor, t: Torch, name: string) =>
  tf.batchNorm(
    x,
    t.t(`${name}.running_mean`),
    t.t(`${name}.running_var`),
    t.t(`${name}.bias`),
    t.t(`${name}.weight`),
    1e-5,
  );
export const refLinear = (x: tf.Tensor2D, t: Torch, name: string) =>
  tf.add(tf.matMul(x, t.t(`${name}.weight`) as tf.Tensor2D, false, true), t.t(`${name}.bias`));
export const refFlattenNCHW = (x: tf.Tensor4D) =>
  tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [x.shape[0], -1]) as tf.Tensor2D;

export const file = (t: Torch) => parseSafetensors(encodeSafetensors(t.state, { format: 'pt' }));
