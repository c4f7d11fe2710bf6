import { expectNoLeaks } from '@cnn/core';
import {
  BatchNormalization,
  Conv2D,
  Dense,
  Flatten,
  input,
  MaxPooling2D,
  Model,
  ReLU,
  type SymbolicTensor,
} from '@cnn/layers';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { WeightMatchError } from './errors';
import { loadTorchWeights } from './torch';
import { file, refBn, refConv, refFlattenNCHW, refLinear, Torch } from './torch_fixtures';
import { alexnetTorchNames, type VggTorchConfig, vggTorchNames } from './torchvision_names';

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
