import type { TorchModule } from './torch';

// torchvision's module paths for each family, from the same tables the builders use, keyed by our layer
// names (Keras' where Keras has the model: keras.applications.VGG16 / ResNet50; Caffe's for AlexNet).

/** A VGG configuration as torchvision's `cfgs`: output channels of each 3×3 conv, 'M' for a max pool. */
export type VggConfig = readonly (number | 'M')[];

/**
 * VGG's names: `block{b}_conv{i}` ↔ `features.N` (with `block{b}_bn{i}` ↔ `features.N+1` for the BN
 * variants), `fc1`, `fc2`, `predictions` ↔ `classifier.0`, `.3`, `.6`. `fc1` reads torch's flatten of the
 * last [C, 7, 7] features (AdaptiveAvgPool2d(7)); pass `features` for another size.
 *
 * @example
 * ```ts
 * vggTorchNames([64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']).block5_conv3; // 'features.28'
 * ```
 */
export function vggTorchNames(
  config: VggConfig,
  options: { batchNorm?: boolean; features?: readonly [number, number] } = {},
): Record<string, string | TorchModule> {
  const names: Record<string, string | TorchModule> = {};
  let index = 0;
  let block = 1;
  let conv = 1;
  let channels = 0;
  for (const v of config) {
    if (v === 'M') {
      index += 1;
      block += 1;
      conv = 1;
      continue;
    }
    names[`block${block}_conv${conv}`] = `features.${index}`;
    if (options.batchNorm) names[`block${block}_bn${conv}`] = `features.${index + 1}`;
    index += options.batchNorm ? 3 : 2; // conv, (bn,) relu
    conv += 1;
    channels = v;
  }
  const [h, w] = options.features ?? [7, 7];
  names.fc1 = { module: 'classifier.0', flattenedFrom: [channels, h, w] };
  names.fc2 = 'classifier.3';
  names.predictions = 'classifier.6';
  return names;
}

/**
 * ResNet's names, Keras' scheme (`conv1_conv`, `conv1_bn`; `conv{s+2}_block{j}_{k}_conv` / `_bn` for the
 * k-th conv of block j of stage s, `_0_` for the projection shortcut; `predictions`) ↔ torchvision's
 * (`conv1`, `bn1`, `layer{s+1}.{j−1}.conv{k}` / `bn{k}`, `downsample.0` / `.1`, `fc`). `blocks`: blocks per
 * stage ([2, 2, 2, 2] for ResNet-18, [3, 4, 6, 3] for 34 and 50); `bottleneck`: three convs a block
 * (50/101/152), else two. The first block of every stage but a basic first stage has a projection.
 *
 * @example
 * ```ts
 * resnetTorchNames([3, 4, 6, 3], { bottleneck: true }).conv5_block3_3_conv; // 'layer4.2.conv3'
 * ```
 */
export function resnetTorchNames(
  blocks: readonly number[],
  options: { bottleneck?: boolean } = {},
): Record<string, string> {
  const names: Record<string, string> = { conv1_conv: 'conv1', conv1_bn: 'bn1', predictions: 'fc' };
  const convs = options.bottleneck ? 3 : 2;
  blocks.forEach((count, s) => {
    for (let j = 0; j < count; j++) {
      const ours = `conv${s + 2}_block${j + 1}`;
      const torch = `layer${s + 1}.${j}`;
      for (let k = 1; k <= convs; k++) {
        names[`${ours}_${k}_conv`] = `${torch}.conv${k}`;
        names[`${ours}_${k}_bn`] = `${torch}.bn${k}`;
      }
      if (j === 0 && (s > 0 || options.bottleneck)) {
        names[`${ours}_0_conv`] = `${torch}.downsample.0`;
        names[`${ours}_0_bn`] = `${torch}.downsample.1`;
      }
    }
  });
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
