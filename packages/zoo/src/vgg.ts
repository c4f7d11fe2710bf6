import {
  Dense,
  Dropout,
  Flatten,
  input,
  LocalResponseNormalization,
  MaxPooling2D,
  type Model,
  type SymbolicTensor,
} from '@cnn/layers';
import { type ClassifierOptions, classifierShape, convBnRelu, finish, ZooError } from './common';

/** A column of Simonyan & Zisserman's Table 1. */
export type VggConfig = 'A' | 'A-LRN' | 'B' | 'C' | 'D' | 'E';

/**
 * Table 1 of Simonyan & Zisserman (2015), column by column, in the paper's own notation: `conv3-64` is a
 * 3×3 convolution with 64 filters (stride 1, padding 1, ReLU), `LRN` local response normalisation,
 * `maxpool` 2×2 max pooling with stride 2. The classifier (FC-4096, FC-4096, FC-classes) is the same
 * for every column.
 *
 * @example
 * ```ts
 * vggTable.D.filter((t) => t.startsWith('conv')).length; // 13, + 3 fully connected = VGG-16
 * ```
 */
// biome-ignore format: the paper's table, one column a line
export const vggTable: Readonly<Record<VggConfig, readonly string[]>> = {
  A:       ['conv3-64',             'maxpool', 'conv3-128',              'maxpool', 'conv3-256', 'conv3-256',                           'maxpool', 'conv3-512', 'conv3-512',                           'maxpool', 'conv3-512', 'conv3-512',                           'maxpool'],
  'A-LRN': ['conv3-64', 'LRN',      'maxpool', 'conv3-128',              'maxpool', 'conv3-256', 'conv3-256',                           'maxpool', 'conv3-512', 'conv3-512',                           'maxpool', 'conv3-512', 'conv3-512',                           'maxpool'],
  B:       ['conv3-64', 'conv3-64', 'maxpool', 'conv3-128', 'conv3-128', 'maxpool', 'conv3-256', 'conv3-256',                           'maxpool', 'conv3-512', 'conv3-512',                           'maxpool', 'conv3-512', 'conv3-512',                           'maxpool'],
  C:       ['conv3-64', 'conv3-64', 'maxpool', 'conv3-128', 'conv3-128', 'maxpool', 'conv3-256', 'conv3-256', 'conv1-256',              'maxpool', 'conv3-512', 'conv3-512', 'conv1-512',              'maxpool', 'conv3-512', 'conv3-512', 'conv1-512',              'maxpool'],
  D:       ['conv3-64', 'conv3-64', 'maxpool', 'conv3-128', 'conv3-128', 'maxpool', 'conv3-256', 'conv3-256', 'conv3-256',              'maxpool', 'conv3-512', 'conv3-512', 'conv3-512',              'maxpool', 'conv3-512', 'conv3-512', 'conv3-512',              'maxpool'],
  E:       ['conv3-64', 'conv3-64', 'maxpool', 'conv3-128', 'conv3-128', 'maxpool', 'conv3-256', 'conv3-256', 'conv3-256', 'conv3-256', 'maxpool', 'conv3-512', 'conv3-512', 'conv3-512', 'conv3-512', 'maxpool', 'conv3-512', 'conv3-512', 'conv3-512', 'conv3-512', 'maxpool'],
};

/** Options of {@link vgg}. */
export interface VggOptions extends ClassifierOptions {
  /** Batch normalisation after every convolution (torchvision's `vgg16_bn` …). Default false. */
  batchNorm?: boolean;
  /** Units of the two hidden fully connected layers. Default 4096 (the paper's); CIFAR variants use 512. */
  fcUnits?: number;
  /** Dropout before fc7 and fc8, as the paper. Default 0.5. */
  dropout?: number;
}

/**
 * A VGG network (Simonyan & Zisserman 2015) from a column of {@link vggTable}: 'A' (VGG-11), 'A-LRN',
 * 'B' (13), 'C' (16 with 1×1 convolutions), 'D' (VGG-16), 'E' (VGG-19), with `batchNorm` the BN variants.
 * Layers are named by stage and position, `conv3_2` being stage 3's second convolution (with BN:
 * `conv3_2`, `conv3_2_bn`, `conv3_2_relu`), `pool1`…`pool5`, `fc6`, `fc7`, `fc8` (logits); every name is
 * an activation of `model.run`. The classifier flattens what the last pool leaves: 7×7×512 at 224×224,
 * giving torchvision's parameter counts (VGG-16: 138,357,544); 1×1×512 at CIFAR's 32×32.
 *
 * @example
 * ```ts
 * const net = vgg('D', { batchNorm: true, classes: 10, inputShape: [32, 32, 3], fcUnits: 512 });
 * const { conv4_3_relu, fc8 } = net.run(images, { outputs: ['conv4_3_relu', 'fc8'] });
 * ```
 */
export function vgg(config: VggConfig, options: VggOptions = {}): Model {
  const table = vggTable[config];
  if (!table) {
    throw new ZooError(`vgg: config must be one of ${Object.keys(vggTable).join(', ')}, got '${config}'`);
  }
  const { inputShape, classes } = classifierShape(`vgg ${config}`, options, {
    inputShape: [224, 224, 3],
    classes: 1000,
    minSide: 32, // five 2×2 pools
  });
  const batchNorm = options.batchNorm ?? false;
  const fcUnits = options.fcUnits ?? 4096;
  const dropout = options.dropout ?? 0.5;
  const x = input({ shape: inputShape, name: 'input' });
  let h: SymbolicTensor = x;
  let stage = 1;
  let position = 1;
  for (const item of table) {
    if (item === 'maxpool') {
      h = new MaxPooling2D({ poolSize: 2, name: `pool${stage}` }).apply(h);
      stage++;
      position = 1;
    } else if (item === 'LRN') {
      // The paper's LRN is Krizhevsky's (its §2.3: "the LRN layer of Krizhevsky et al."), our default.
      h = new LocalResponseNormalization({ name: `lrn${stage}` }).apply(h);
    } else {
      const [, size, filters] = /^conv(\d)-(\d+)$/.exec(item)!;
      h = convBnRelu(
        h,
        { filters: Number(filters), kernelSize: Number(size), padding: 'same' },
        { name: `conv${stage}_${position++}`, batchNorm, biasBeforeBn: true },
      );
    }
  }
  h = new Flatten({ name: 'flatten' }).apply(h);
  h = new Dense({ units: fcUnits, activation: 'relu', name: 'fc6' }).apply(h);
  if (dropout > 0) h = new Dropout({ rate: dropout, name: 'drop6' }).apply(h);
  h = new Dense({ units: fcUnits, activation: 'relu', name: 'fc7' }).apply(h);
  if (dropout > 0) h = new Dropout({ rate: dropout, name: 'drop7' }).apply(h);
  const logits = new Dense({ units: classes, name: 'fc8' }).apply(h);
  return finish(`vgg_${config.replace('-', '_').toLowerCase()}${batchNorm ? '_bn' : ''}`, x, logits, options);
}
