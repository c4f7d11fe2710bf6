import {
  Activation,
  Add,
  Dense,
  GlobalAveragePooling2D,
  input,
  linearDecaySurvival,
  MaxPooling2D,
  type Model,
  StochasticDepth,
  type SymbolicTensor,
  varianceScaling,
} from '@cnn/layers';
import { type ClassifierOptions, classifierShape, convBnRelu, finish, ZooError } from './common';
import { ZeroPadShortcut } from './shortcut';

/**
 * The convolutions' initialiser: He et al. 2016 §3.4 initialise "as in [13]", He et al. 2015's normal of
 * variance 2/fan-in (torchvision: kaiming_normal_), not Keras' default Glorot uniform (half of it here).
 */
const HE = 'heNormal';

/**
 * The classifier's initialiser: torch's `nn.Linear` default, uniform on ±1/√fan-in (variance 1/(3·fan-in)),
 * bias 0: the reference code's last layer (fb.resnet.torch, which reproduced the paper's CIFAR figures,
 * keeps that kernel and zeroes the bias; torchvision keeps the kernel too). Keras' default Glorot uniform has 5× the
 * variance here (2/(64 + 10)); with the large pooled features of a deep residual net (their second moment
 * grows with depth, identity shortcuts adding branches) it gave resnet-56 initial logits of variance ~14
 * and a first-epoch loss of 4–5.6 against ln 10 = 2.3 (zoo README, Reproductions).
 */
const FC = varianceScaling(1 / 3, 'fanIn', 'uniform');

/** One row of a ResNet stage table. */
export interface ResNetRow {
  /** 'basic': two 3×3 convolutions; 'bottleneck': 1×1, 3×3, 1×1 with 4× as many channels out. */
  readonly block: 'basic' | 'bottleneck';
  /** Blocks per stage. */
  readonly blocks: readonly number[];
  /** Channels of each stage's 3×3 convolutions. */
  readonly widths: readonly number[];
  /** 'imagenet': 7×7/2 stem, max pooling, projection shortcuts; 'cifar': 3×3 stem, zero-padding shortcuts. */
  readonly kind: 'imagenet' | 'cifar';
}

const imagenet = (block: ResNetRow['block'], blocks: number[]): ResNetRow => ({
  block,
  blocks,
  widths: [64, 128, 256, 512],
  kind: 'imagenet',
});
const cifar = (n: number): ResNetRow => ({
  block: 'basic',
  blocks: [n, n, n],
  widths: [16, 32, 64],
  kind: 'cifar',
});

/**
 * He et al. (2016): Table 1's ImageNet networks (18–152 layers) and §4.2's CIFAR-10 networks of 6n + 2
 * layers (20, 32, 44, 56, 110), by depth.
 *
 * @example
 * ```ts
 * resnetTable[50].blocks; // [3, 4, 6, 3]
 * ```
 */
export const resnetTable = {
  18: imagenet('basic', [2, 2, 2, 2]),
  34: imagenet('basic', [3, 4, 6, 3]),
  50: imagenet('bottleneck', [3, 4, 6, 3]),
  101: imagenet('bottleneck', [3, 4, 23, 3]),
  152: imagenet('bottleneck', [3, 8, 36, 3]),
  20: cifar(3),
  32: cifar(5),
  44: cifar(7),
  56: cifar(9),
  110: cifar(18),
} as const satisfies Record<number, ResNetRow>;

/** A depth of {@link resnetTable}. */
export type ResNetDepth = keyof typeof resnetTable;

/** Options of {@link resnet}. */
export interface ResNetOptions extends ClassifierOptions {
  /** No shortcuts: the plain network of the same depth (Fig. 1's and Table 2's comparison). Default false. */
  plain?: boolean;
  /**
   * Stochastic depth (Huang et al. 2016): block l of L keeps its residual branch with probability
   * p_l = 1 − (l/L)(1 − p_L) in training (the identity alone when dropped) and is scaled by p_l at
   * inference. `true` means p_L = 0.5, the paper's; a number is p_L. Default false.
   */
  stochasticDepth?: boolean | number;
}

/**
 * A ResNet (He et al. 2016) of a depth of {@link resnetTable}: 18, 34, 50, 101, 152 (ImageNet, 224×224,
 * torchvision's layout and names, stride in the bottleneck's 3×3 as torchvision's v1.5) or 20, 32, 44,
 * 56, 110 (CIFAR-10, 32×32, option A shortcuts: 0.27M … 1.7M parameters as the paper's Table 6). `plain`
 * drops the shortcuts; `stochasticDepth` joins each block with a {@link StochasticDepth}.
 *
 * Activations use torchvision's module names: `conv1`, `bn1`, `relu`, `maxpool`, then per block
 * `layer2.1.conv1`, `layer2.1.bn1`, `layer2.1.relu1`, …, `layer2.0.downsample.0`/`.1` (projection), the
 * join `layer2.1.add`, the block's output `layer2.1`; `avgpool`, `fc` (logits). Batch norm has ε 1e-5.
 *
 * @example
 * ```ts
 * const net = resnet(50);
 * const { 'layer4.2': features } = net.run(images, { outputs: ['layer4.2'] });
 * const cifar = resnet(110, { stochasticDepth: true, classes: 10 });
 * ```
 */
export function resnet(depth: ResNetDepth, options: ResNetOptions = {}): Model {
  const table: ResNetRow | undefined = resnetTable[depth];
  if (!table) {
    throw new ZooError(`resnet: depth must be one of ${Object.keys(resnetTable).join(', ')}, got ${depth}`);
  }
  const family = `resnet${depth}`;
  const { inputShape, classes } = classifierShape(family, options, {
    inputShape: table.kind === 'imagenet' ? [224, 224, 3] : [32, 32, 3],
    classes: table.kind === 'imagenet' ? 1000 : 10,
  });
  const plain = options.plain ?? false;
  const sd = options.stochasticDepth ?? false;
  const lastSurvival = sd === true ? 0.5 : sd === false ? 1 : sd;
  if (sd !== false && (plain || !(lastSurvival >= 0 && lastSurvival <= 1))) {
    throw new ZooError(
      `${family}: stochasticDepth takes true or p_L in [0, 1] on a network with shortcuts, got ${sd}${plain ? ' with plain: true' : ''}`,
    );
  }
  const x = input({ shape: inputShape, name: 'input' });
  let h: SymbolicTensor;
  if (table.kind === 'imagenet') {
    h = convBnRelu(
      x,
      { filters: 64, kernelSize: 7, strides: 2, padding: 3, kernelInitializer: HE },
      { name: 'conv1', batchNorm: true, names: { bn: 'bn1', relu: 'relu' } },
    );
    h = new MaxPooling2D({ poolSize: 3, strides: 2, padding: 1, name: 'maxpool' }).apply(h);
  } else {
    h = convBnRelu(
      x,
      { filters: 16, kernelSize: 3, padding: 1, kernelInitializer: HE },
      { name: 'conv1', batchNorm: true, names: { bn: 'bn1', relu: 'relu' } },
    );
  }
  const total = table.blocks.reduce((a, b) => a + b, 0);
  let l = 0;
  table.blocks.forEach((count, stage) => {
    for (let b = 0; b < count; b++) {
      l++;
      const survival = sd === false ? 1 : linearDecaySurvival(l, total, lastSurvival);
      h = block(h, `layer${stage + 1}.${b}`, {
        row: table,
        width: table.widths[stage]!,
        stride: b === 0 && stage > 0 ? 2 : 1,
        plain,
        survival: sd === false ? undefined : survival,
      });
    }
  });
  h = new GlobalAveragePooling2D({ name: 'avgpool' }).apply(h);
  const logits = new Dense({ units: classes, name: 'fc', kernelInitializer: FC }).apply(h);
  const name = `${plain ? 'plain' : 'resnet'}${depth}${sd === false ? '' : '_stochastic_depth'}`;
  return finish(name, x, logits, options);
}

/** One residual block: its branch, its shortcut (identity, projection or zero padding) and their join. */
function block(
  x: SymbolicTensor,
  name: string,
  o: { row: ResNetRow; width: number; stride: number; plain: boolean; survival?: number },
): SymbolicTensor {
  const out = o.row.block === 'bottleneck' ? o.width * 4 : o.width;
  const unit = (
    h: SymbolicTensor,
    k: number,
    filters: number,
    kernelSize: number,
    strides: number,
    relu: boolean,
  ) =>
    convBnRelu(
      h,
      { filters, kernelSize, strides, padding: (kernelSize - 1) / 2, kernelInitializer: HE },
      {
        name: `${name}.conv${k}`,
        batchNorm: true,
        relu,
        names: { bn: `${name}.bn${k}`, relu: `${name}.relu${k}` },
      },
    );
  let branch: SymbolicTensor;
  if (o.row.block === 'basic') {
    branch = unit(unit(x, 1, o.width, 3, o.stride, true), 2, o.width, 3, 1, false);
  } else {
    branch = unit(unit(unit(x, 1, o.width, 1, 1, true), 2, o.width, 3, o.stride, true), 3, out, 1, 1, false);
  }
  if (o.plain) return new Activation({ activation: 'relu', name }).apply(branch);
  const inChannels = x.shape[3]!;
  let shortcut = x;
  if (o.stride !== 1 || inChannels !== out) {
    shortcut =
      o.row.kind === 'cifar'
        ? new ZeroPadShortcut({ filters: out, strides: o.stride, name: `${name}.shortcut` }).apply(x)
        : convBnRelu(
            x,
            { filters: out, kernelSize: 1, strides: o.stride, kernelInitializer: HE },
            {
              name: `${name}.downsample.0`,
              batchNorm: true,
              relu: false,
              names: { bn: `${name}.downsample.1` },
            },
          );
  }
  const join =
    o.survival === undefined
      ? new Add({ name: `${name}.add` })
      : new StochasticDepth({ survivalProbability: o.survival, name: `${name}.add` });
  return new Activation({ activation: 'relu', name }).apply(join.apply([shortcut, branch]));
}
