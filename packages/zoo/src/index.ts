/**
 * @cnn/zoo — the architectures of the seeds, their papers' tables as data and one builder per family:
 * VGG A–E (and BN), AlexNet (torchvision's and the paper's two towers), ZFNet, LeNet-5, GoogLeNet,
 * ResNet 18–152 and CIFAR 20–110 (plain, stochastic depth), FractalNet with drop-path, AlphaGo's policy
 * network, All-CNN-C, the seeds' MNIST and CIFAR-10 CNNs and the XOR MLP. Every block's output is an
 * activation of `model.run` by a stable name; `build: false` counts parameters without allocating.
 * Weights come in from tfjs weight manifests (quantised too), the tfjs layers format and safetensors with
 * torchvision's names (`./weights`), with each family's preprocessing and ImageNet's class names.
 * Importing the package registers its own layers (`DropPathSampler`, `FractalJoin`, `PositionBias`,
 * `ZeroPadShortcut`) with `@cnn/layers`' loader, so `import '@cnn/zoo'` alone lets `load` read a saved FractalNet
 * or policy network: package.json lists the entry files as having side effects, for bundlers to keep it.
 *
 * @packageDocumentation
 */

export {
  type AlexNetOptions,
  type AlexNetTable,
  alexnet,
  alexnetLike,
  alexnetTables,
  type ConvRow,
} from './alexnet';
export { type AllCnnCOptions, allCnnC, allCnnCTable } from './all_cnn';
export { type AlphaGoPolicyOptions, alphagoPolicy } from './alphago';
export { cifarCnn } from './cifar_cnn';
export { type BuildOptions, type ClassifierOptions, ZooError } from './common';
export {
  type DropPathChoice,
  DropPathSampler,
  type DropPathSamplerConfig,
  FractalJoin,
  type FractalJoinConfig,
} from './fractal_join';
export { type FractalNetOptions, fractalColumn, fractalnet } from './fractalnet';
export { type GoogLeNetOptions, googlenet, type InceptionRow, inceptionTable } from './googlenet';
export { lenet5 } from './lenet';
export { type MnistCnnOptions, mnistCnn } from './mnist_cnn';
export { PositionBias } from './position_bias';
export { type RecalibrateOptions, recalibrateBatchNorm } from './recalibrate';
export { fromZoo, type ZooEntry, type ZooOptions, zoo } from './registry';
export { type ResNetDepth, type ResNetOptions, type ResNetRow, resnet, resnetTable } from './resnet';
export { ZeroPadShortcut, type ZeroPadShortcutConfig } from './shortcut';
export { type VggConfig, type VggOptions, vgg, vggTable } from './vgg';
export * from './weights';
export { type XorMlpOptions, xorMlp } from './xor';
export { type ZfNetOptions, zfnet, zfnetTable } from './zfnet';
