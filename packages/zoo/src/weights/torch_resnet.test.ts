import { expectNoLeaks } from '@cnn/core';
import {
  Add,
  BatchNormalization,
  Conv2D,
  Dense,
  GlobalAveragePooling2D,
  input,
  MaxPooling2D,
  Model,
  ReLU,
  type SymbolicTensor,
} from '@cnn/layers';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadTorchWeights } from './torch';
import { file, refBn, refConv, refLinear, Torch } from './torch_fixtures';
import { resnetTorchNames } from './torchvision_names';

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
