import { expectNoLeaks, Rng } from '@cnn/core';
import {
  Add,
  BatchNormalization,
  Conv2D,
  Dense,
  Flatten,
  GlobalAveragePooling2D,
  input,
  MaxPooling2D,
  Model,
  ReLU,
  type SymbolicTensor,
} from '@cnn/layers';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { WeightMatchError } from './errors';
import { encodeSafetensors, parseSafetensors, type SafeTensorInput } from './safetensors';
import { loadTorchWeights } from './torch';
import { alexnetTorchNames, resnetTorchNames, type VggTorchConfig, vggTorchNames } from './torchvision_names';

type StateDict = Record<string, SafeTensorInput>;

/** A torch state dict of random values in torch's layouts (OIHW, [out, in]), as a checkpoint would hold. */
class Torch {
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
const refConv = (x: tf.Tensor4D, t: Torch, name: string, stride: number, pad: number, bias = true) => {
  const y = tf.conv2d(x, tf.transpose(t.t(`${name}.weight`), [2, 3, 1, 0]) as tf.Tensor4D, stride, [
    [0, 0],
    [pad, pad],
    [pad, pad],
    [0, 0],
  ]);
  return bias ? tf.add(y, t.t(`${name}.bias`)) : y;
};
const refBn = (x: tf.Tensor, t: Torch, name: string) =>
  tf.batchNorm(
    x,
    t.t(`${name}.running_mean`),
    t.t(`${name}.running_var`),
    t.t(`${name}.bias`),
    t.t(`${name}.weight`),
    1e-5,
  );
const refLinear = (x: tf.Tensor2D, t: Torch, name: string) =>
  tf.add(tf.matMul(x, t.t(`${name}.weight`) as tf.Tensor2D, false, true), t.t(`${name}.bias`));
const refFlattenNCHW = (x: tf.Tensor4D) =>
  tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [x.shape[0], -1]) as tf.Tensor2D;

const file = (t: Torch) => parseSafetensors(encodeSafetensors(t.state, { format: 'pt' }));

type Naming = 'caffe' | 'keras';
const vggNames = (naming: Naming) =>
  naming === 'keras'
    ? {
        convs: ['block1_conv1', 'block2_conv1', 'block2_conv2'],
        bn: (c: string) => c.replace('conv', 'bn'),
        fcs: ['fc1', 'fc2', 'predictions'],
      }
    : { convs: ['conv1_1', 'conv2_1', 'conv2_2'], bn: (c: string) => `${c}_bn`, fcs: ['fc6', 'fc7', 'fc8'] };

/** A VGG-like net of cfg [4, 'M', 8, 8, 'M'] named as Caffe (this package's vgg) or keras.applications names VGG. */
function miniVgg(batchNorm: boolean, naming: Naming): Model {
  const { convs, bn, fcs } = vggNames(naming);
  const x = input({ shape: [8, 8, 3] });
  const unit = (h: SymbolicTensor, name: string, filters: number) => {
    h = new Conv2D({
      filters,
      kernelSize: 3,
      padding: 1,
      name,
      activation: batchNorm ? 'linear' : 'relu',
    }).apply(h);
    return batchNorm
      ? new ReLU().apply(new BatchNormalization({ epsilon: 1e-5, name: bn(name) }).apply(h))
      : h;
  };
  let h = unit(x, convs[0]!, 4);
  h = new MaxPooling2D({ poolSize: 2 }).apply(h);
  h = unit(unit(h, convs[1]!, 8), convs[2]!, 8);
  h = new Flatten().apply(new MaxPooling2D({ poolSize: 2 }).apply(h));
  h = new Dense({ units: 6, activation: 'relu', name: fcs[0] }).apply(h);
  h = new Dense({ units: 5, activation: 'relu', name: fcs[1] }).apply(h);
  return new Model({ inputs: x, outputs: new Dense({ units: 3, name: fcs[2] }).apply(h), name: 'mini_vgg' });
}

describe('torchvision VGG names', () => {
  for (const [batchNorm, naming] of [
    [false, 'caffe'],
    [true, 'caffe'],
    [true, 'keras'],
  ] as const) {
    it(`load a mini VGG${batchNorm ? '-BN' : ''} checkpoint (${naming} names): kernels permuted bit for bit, same outputs as torch's forward`, async () => {
      const cfg: VggTorchConfig = [4, 'M', 8, 8, 'M'];
      const net = miniVgg(batchNorm, naming);
      const { convs, bn, fcs } = vggNames(naming);
      const names = vggTorchNames(cfg, { batchNorm, features: [2, 2], naming });
      const t = new Torch(batchNorm ? 2 : 1);
      const [c1, c2, c3] = convs as [string, string, string];
      if (batchNorm)
        for (const [i, c] of [c1, c2, c3].entries()) t.bn(names[bn(c)] as string, i === 0 ? 4 : 8);
      t.conv(names[c1] as string, 4, 3, 3);
      t.conv(names[c2] as string, 8, 4, 3);
      t.conv(names[c3] as string, 8, 8, 3);
      t.linear('classifier.0', 6, 8 * 2 * 2);
      t.linear('classifier.3', 5, 6);
      t.linear('classifier.6', 3, 5);
      await expectNoLeaks(() => loadTorchWeights(net, file(t), names));

      // Every weight bit for bit equal to the torch tensor laid out by tfjs ops: conv OIHW → HWIO, dense
      // [out, in] → [in, out], fc1's inputs from torch's C, H, W order to our H, W, C.
      const torchParam = {
        kernel: 'weight',
        bias: 'bias',
        gamma: 'weight',
        beta: 'bias',
        moving_mean: 'running_mean',
        moving_variance: 'running_var',
      };
      for (const w of net.weights) {
        const [layer, param] = w.name.split('/') as [string, keyof typeof torchParam];
        const module = names[layer]!;
        const key = `${typeof module === 'string' ? module : module.module}.${torchParam[param]}`;
        const expected = tf.tidy(() => {
          const v = t.t(key);
          if (param !== 'kernel') return v;
          if (v.rank === 4) return tf.transpose(v, [2, 3, 1, 0]);
          if (layer !== fcs[0]) return tf.transpose(v);
          return tf.reshape(tf.transpose(tf.reshape(v, [6, 8, 2, 2]), [2, 3, 1, 0]), [32, 6]);
        });
        expect(expected.shape, w.name).toEqual(w.variable.shape);
        expect(Array.from(w.variable.dataSync()), w.name).toEqual(Array.from(expected.dataSync()));
        expected.dispose();
      }

      const x = tf.randomUniform([2, 8, 8, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
      const ours = net.predict(x);
      const reference = tf.tidy(() => {
        const i = batchNorm ? 3 : 2;
        const block = (h: tf.Tensor4D, index: number, bn: boolean) =>
          tf.relu(
            bn
              ? refBn(refConv(h, t, `features.${index}`, 1, 1), t, `features.${index + 1}`)
              : refConv(h, t, `features.${index}`, 1, 1),
          ) as tf.Tensor4D;
        let h = block(x, 0, batchNorm);
        h = tf.maxPool(h, 2, 2, 'valid');
        h = block(h, i + 1, batchNorm);
        h = block(h, 2 * i + 1, batchNorm);
        h = tf.maxPool(h, 2, 2, 'valid');
        let f = tf.relu(refLinear(refFlattenNCHW(h), t, 'classifier.0')) as tf.Tensor2D;
        f = tf.relu(refLinear(f, t, 'classifier.3')) as tf.Tensor2D;
        return refLinear(f, t, 'classifier.6');
      });
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(ours, reference))).dataSync()[0]!);
      expect(diff).toBeLessThan(1e-5);
      // Without the CHW → HWC reordering of fc1 the outputs differ: the check above can fail.
      const unordered = vggTorchNames(cfg, { batchNorm, features: [2, 2], naming });
      unordered[fcs[0]!] = 'classifier.0';
      loadTorchWeights(net, file(t), unordered);
      const wrong = net.predict(x);
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(wrong, reference))).dataSync()[0]!)).toBeGreaterThan(1e-3);
      tf.dispose([x, ours, reference, wrong]);
      net.dispose();
    });
  }

  it('name a misshapen, missing or unused tensor', () => {
    const cfg: VggTorchConfig = [4, 'M', 8, 8, 'M'];
    const net = miniVgg(false, 'caffe');
    const names = vggTorchNames(cfg, { features: [2, 2] });
    const t = new Torch(3);
    t.conv('features.0', 4, 3, 3);
    t.conv('features.3', 8, 4, 3);
    t.conv('features.5', 8, 8, 3);
    t.linear('classifier.0', 6, 32);
    t.linear('classifier.3', 5, 6);
    t.linear('classifier.6', 3, 5);
    const bad = new Torch(3);
    Object.assign(bad.state, t.state);
    bad.state['features.3.weight'] = { shape: [8, 4, 5, 5], values: new Float32Array(800) };
    expect(() => loadTorchWeights(net, file(bad), names)).toThrow(WeightMatchError);
    expect(() => loadTorchWeights(net, file(bad), names)).toThrow(
      'weight conv2_1/kernel (features.3.weight): expected [8, 4, 3, 3], file has [8, 4, 5, 5]',
    );
    delete bad.state['features.3.weight'];
    expect(() => loadTorchWeights(net, file(bad), names)).toThrow(
      'weight conv2_1/kernel: features.3.weight [8, 4, 3, 3] is missing from the file',
    );
    const extra = new Torch(3);
    Object.assign(extra.state, t.state);
    extra.conv('features.9', 2, 2, 1);
    expect(() => loadTorchWeights(net, file(extra), names)).toThrow(
      /features.9.bias, features.9.weight match no weight of mini_vgg/,
    );
    expect(() => loadTorchWeights(net, file(extra), names, { strict: false })).not.toThrow();
    const { fc7: _, ...partial } = names;
    expect(() => loadTorchWeights(net, file(t), partial)).toThrow(
      'weight fc7/kernel: layer fc7 has no torch module in the name table',
    );
    net.dispose();
  });

  it('give torchvision’s module paths for VGG-16, VGG-16-BN and VGG-11', () => {
    const d: VggTorchConfig = [
      64,
      64,
      'M',
      128,
      128,
      'M',
      256,
      256,
      256,
      'M',
      512,
      512,
      512,
      'M',
      512,
      512,
      512,
      'M',
    ];
    const plain = vggTorchNames(d);
    // torchvision's vgg16 state dict: features.{0,2,5,7,10,12,14,17,19,21,24,26,28}, classifier.{0,3,6}.
    expect(Object.values(plain).filter((v) => typeof v === 'string' && v.startsWith('features'))).toEqual(
      [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28].map((i) => `features.${i}`),
    );
    expect(plain.fc6).toEqual({ module: 'classifier.0', flattenedFrom: [512, 7, 7] });
    expect([plain.conv5_3, plain.fc8]).toEqual(['features.28', 'classifier.6']);
    const bn = vggTorchNames(d, { batchNorm: true, naming: 'keras' });
    expect([bn.block1_conv1, bn.block1_bn1, bn.block5_conv3, bn.block5_bn3]).toEqual([
      'features.0',
      'features.1',
      'features.40',
      'features.41',
    ]);
    const a = vggTorchNames([64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M']);
    expect(a.conv5_2).toBe('features.18'); // vgg11's last conv
    // The paper's Table 1 notation gives the same table as torchvision's cfg.
    const paper = d.map((v) => (v === 'M' ? 'maxpool' : `conv3-${v}`));
    expect(vggTorchNames(paper, { batchNorm: true })).toEqual(vggTorchNames(d, { batchNorm: true }));
    expect(() => vggTorchNames(['conv3-64', 'fc-4096'])).toThrow(/"fc-4096" is not a VGG table entry/);
  });

  it('give torchvision’s module paths for AlexNet', () => {
    // torchvision's alexnet state dict: features.{0,3,6,8,10}, classifier.{1,4,6}; 256×6×6 into classifier.1.
    expect(alexnetTorchNames()).toEqual({
      conv1: 'features.0',
      conv2: 'features.3',
      conv3: 'features.6',
      conv4: 'features.8',
      conv5: 'features.10',
      fc6: { module: 'classifier.1', flattenedFrom: [256, 6, 6] },
      fc7: 'classifier.4',
      fc8: 'classifier.6',
    });
  });
});

/** A mini ResNet (basic blocks, one per stage, two stages) named as keras.applications names ResNet. */
function miniResnet(): Model {
  const x = input({ shape: [8, 8, 3] });
  const bn = (name: string) => new BatchNormalization({ epsilon: 1e-5, name });
  const conv = (name: string, filters: number, k: number, stride: number, pad: number) =>
    new Conv2D({ filters, kernelSize: k, strides: stride, padding: pad, useBias: false, name });
  let h = new ReLU().apply(bn('conv1_bn').apply(conv('conv1_conv', 4, 3, 1, 1).apply(x)));
  h = new MaxPooling2D({ poolSize: 2 }).apply(h);
  const block = (h: SymbolicTensor, stage: number, filters: number, stride: number, project: boolean) => {
    const p = `conv${stage}_block1`;
    let y = new ReLU().apply(bn(`${p}_1_bn`).apply(conv(`${p}_1_conv`, filters, 3, stride, 1).apply(h)));
    y = bn(`${p}_2_bn`).apply(conv(`${p}_2_conv`, filters, 3, 1, 1).apply(y));
    const shortcut = project ? bn(`${p}_0_bn`).apply(conv(`${p}_0_conv`, filters, 1, stride, 0).apply(h)) : h;
    return new ReLU().apply(new Add().apply([y, shortcut]));
  };
  h = block(h, 2, 4, 1, false);
  h = block(h, 3, 8, 2, true);
  const out = new Dense({ units: 3, name: 'predictions' }).apply(new GlobalAveragePooling2D().apply(h));
  return new Model({ inputs: x, outputs: out, name: 'mini_resnet' });
}

describe('torchvision ResNet names', () => {
  it('load a mini ResNet with a projection shortcut: the same outputs as torch’s forward', async () => {
    const net = miniResnet();
    const names = resnetTorchNames([1, 1], { naming: 'keras' });
    const t = new Torch(9);
    t.conv('conv1', 4, 3, 3, false);
    t.bn('bn1', 4);
    t.conv('layer1.0.conv1', 4, 4, 3, false);
    t.bn('layer1.0.bn1', 4);
    t.conv('layer1.0.conv2', 4, 4, 3, false);
    t.bn('layer1.0.bn2', 4);
    t.conv('layer2.0.conv1', 8, 4, 3, false);
    t.bn('layer2.0.bn1', 8);
    t.conv('layer2.0.conv2', 8, 8, 3, false);
    t.bn('layer2.0.bn2', 8);
    t.conv('layer2.0.downsample.0', 8, 4, 1, false);
    t.bn('layer2.0.downsample.1', 8);
    t.linear('fc', 3, 8);
    await expectNoLeaks(() => loadTorchWeights(net, file(t), names));
    const x = tf.randomUniform([2, 8, 8, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
    const ours = net.predict(x);
    const reference = tf.tidy(() => {
      let h = tf.relu(refBn(refConv(x, t, 'conv1', 1, 1, false), t, 'bn1')) as tf.Tensor4D;
      h = tf.maxPool(h, 2, 2, 'valid');
      const block = (h: tf.Tensor4D, p: string, stride: number, project: boolean) => {
        let y = tf.relu(refBn(refConv(h, t, `${p}.conv1`, stride, 1, false), t, `${p}.bn1`)) as tf.Tensor4D;
        y = refBn(refConv(y, t, `${p}.conv2`, 1, 1, false), t, `${p}.bn2`) as tf.Tensor4D;
        const s = project
          ? refBn(refConv(h, t, `${p}.downsample.0`, stride, 0, false), t, `${p}.downsample.1`)
          : h;
        return tf.relu(tf.add(y, s)) as tf.Tensor4D;
      };
      h = block(h, 'layer1.0', 1, false);
      h = block(h, 'layer2.0', 2, true);
      return refLinear(tf.mean(h, [1, 2]) as tf.Tensor2D, t, 'fc');
    });
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(ours, reference))).dataSync()[0]!)).toBeLessThan(1e-5);
    tf.dispose([x, ours, reference]);
    net.dispose();
  });

  it('give torchvision’s module paths for ResNet-18 and ResNet-50', () => {
    const r18 = resnetTorchNames([2, 2, 2, 2], { naming: 'keras' });
    expect(r18.conv2_block1_0_conv).toBeUndefined(); // layer1 of a basic ResNet keeps the identity
    expect(r18.conv3_block1_0_conv).toBe('layer2.0.downsample.0');
    expect(r18.conv5_block2_2_bn).toBe('layer4.1.bn2');
    // ResNet-18's parameterised modules: conv1, bn1, 8 blocks × 2 (conv, bn), 3 downsamples × 2, fc.
    expect(Object.keys(r18).length).toBe(2 + 8 * 4 + 3 * 2 + 1);
    const r50 = resnetTorchNames([3, 4, 6, 3], { bottleneck: true, naming: 'keras' });
    expect(r50.conv2_block1_0_bn).toBe('layer1.0.downsample.1');
    expect(r50.conv5_block3_3_conv).toBe('layer4.2.conv3');
    expect(Object.keys(r50).length).toBe(2 + 16 * 6 + 4 * 2 + 1);
    // torchvision's own naming (this package's resnet builder): every layer is its module.
    const own = resnetTorchNames([3, 4, 6, 3], { bottleneck: true });
    expect(Object.values(own).sort()).toEqual(Object.values(r50).sort());
    expect(Object.entries(own).every(([k, v]) => k === v)).toBe(true);
  });
});
