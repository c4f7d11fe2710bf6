import { WeightMatchError } from './errors';
import type { TorchModule } from './torch';

// torchvision's module paths for each family, from the same tables the builders use, keyed by our layer
// names: this package's builders name VGG and AlexNet layers as Caffe did (conv3_2, fc6) and ResNet's as
// torchvision does (layer1.0.conv1); Keras' names (keras.applications' block1_conv1, conv2_block1_1_conv)
// are an option, for models built to match Keras checkpoints.

/**
 * A VGG configuration: torchvision's `cfgs` (output channels of each 3×3 conv, 'M' for a max pool) or the
 * paper's Table 1 notation ('conv3-64', 'conv1-256', 'maxpool', 'LRN').
 */
export type VggTorchConfig = readonly (number | string)[];

/** Layer names of a VGG: Caffe's (conv1_1 … conv5_3, fc6–fc8) or Keras' (block1_conv1 …, fc1, fc2, predictions). */
export type VggNaming = 'caffe' | 'keras';

/**
 * VGG's names ↔ torchvision's: each conv ↔ `features.N` (its BN ↔ `features.N+1` in the BN variants), the
 * three dense layers ↔ `classifier.0`, `.3`, `.6`. With Caffe's naming (default) convs are `conv{s}_{i}`
 * (BN `conv{s}_{i}_bn`) and the dense layers `fc6`, `fc7`, `fc8`; with Keras' `block{s}_conv{i}` (BN
 * `block{s}_bn{i}`), `fc1`, `fc2`, `predictions`. The first dense layer reads torch's flatten of the last
 * [C, 7, 7] features (AdaptiveAvgPool2d(7)); pass `features` for another size.
 *
 * @example
 * ```ts
 * vggTorchNames([64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']).conv5_3; // 'features.28'
 * ```
 */
export function vggTorchNames(
  config: VggTorchConfig,
  options: { batchNorm?: boolean; features?: readonly [number, number]; naming?: VggNaming } = {},
): Record<string, string | TorchModule> {
  const keras = options.naming === 'keras';
  const names: Record<string, string | TorchModule> = {};
  let index = 0;
  let stage = 1;
  let conv = 1;
  let channels = 0;
  for (const v of config) {
    if (v === 'M' || v === 'maxpool') {
      index += 1;
      stage += 1;
      conv = 1;
      continue;
    }
    if (v === 'LRN') {
      index += 1;
      continue;
    }
    const width = typeof v === 'number' ? v : Number(/^conv\d+-(\d+)$/.exec(v)?.[1]);
    if (!(Number.isInteger(width) && width > 0)) {
      throw new WeightMatchError(String(v), `vggTorchNames: ${JSON.stringify(v)} is not a VGG table entry`);
    }
    names[keras ? `block${stage}_conv${conv}` : `conv${stage}_${conv}`] = `features.${index}`;
    if (options.batchNorm) {
      names[keras ? `block${stage}_bn${conv}` : `conv${stage}_${conv}_bn`] = `features.${index + 1}`;
    }
    index += options.batchNorm ? 3 : 2; // conv, (bn,) relu
    conv += 1;
    channels = width;
  }
  const [h, w] = options.features ?? [7, 7];
  const [fc1, fc2, fc3] = keras ? ['fc1', 'fc2', 'predictions'] : ['fc6', 'fc7', 'fc8'];
  names[fc1] = { module: 'classifier.0', flattenedFrom: [channels, h, w] };
  names[fc2] = 'classifier.3';
  names[fc3] = 'classifier.6';
  return names;
}

/**
 * ResNet's names ↔ torchvision's (`conv1`, `bn1`, `layer{s}.{j}.conv{k}` / `.bn{k}`, `.downsample.0` /
 * `.1` for a projection shortcut, `fc`). With torchvision's naming (default, this package's `resnet`
 * builder's) every layer is named as its module; with Keras' naming (`conv1_conv`, `conv1_bn`,
 * `conv{s+1}_block{j+1}_{k}_conv` / `_bn`, `_0_` for the projection, `predictions`) they are mapped.
 * `blocks`: blocks per stage ([2, 2, 2, 2] for ResNet-18, [3, 4, 6, 3] for 34 and 50); `bottleneck`:
 * three convs a block (50/101/152), else two. Every stage's first block projects but a basic first stage.
 *
 * @example
 * ```ts
 * resnetTorchNames([3, 4, 6, 3], { bottleneck: true, naming: 'keras' }).conv5_block3_3_conv; // 'layer4.2.conv3'
 * ```
 */
export function resnetTorchNames(
  blocks: readonly number[],
  options: { bottleneck?: boolean; naming?: 'torchvision' | 'keras' } = {},
): Record<string, string> {
  const keras = options.naming === 'keras';
  const names: Record<string, string> = {};
  const put = (ours: string, torch: string) => {
    names[keras ? ours : torch] = torch;
  };
  put('conv1_conv', 'conv1');
  put('conv1_bn', 'bn1');
  const convs = options.bottleneck ? 3 : 2;
  blocks.forEach((count, s) => {
    for (let j = 0; j < count; j++) {
      const ours = `conv${s + 2}_block${j + 1}`;
      const torch = `layer${s + 1}.${j}`;
      for (let k = 1; k <= convs; k++) {
        put(`${ours}_${k}_conv`, `${torch}.conv${k}`);
        put(`${ours}_${k}_bn`, `${torch}.bn${k}`);
      }
      if (j === 0 && (s > 0 || options.bottleneck)) {
        put(`${ours}_0_conv`, `${torch}.downsample.0`);
        put(`${ours}_0_bn`, `${torch}.downsample.1`);
      }
    }
  });
  put('predictions', 'fc');
  return names;
}

/**
 * AlexNet's names (Caffe's `conv1`…`conv5`, `fc6`, `fc7`, `fc8`) ↔ torchvision's one-tower layout
 * (`features.0, 3, 6, 8, 10`, `classifier.1, 4, 6`); `fc6` reads torch's flatten of [256, 6, 6].
 *
 * @example
 * ```ts
 * alexnetTorchNames().conv3; // 'features.6'
 * ```
 */
export function alexnetTorchNames(): Record<string, string | TorchModule> {
  return {
    conv1: 'features.0',
    conv2: 'features.3',
    conv3: 'features.6',
    conv4: 'features.8',
    conv5: 'features.10',
    fc6: { module: 'classifier.1', flattenedFrom: [256, 6, 6] },
    fc7: 'classifier.4',
    fc8: 'classifier.6',
  };
}
