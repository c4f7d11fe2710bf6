import { CnnError } from '@cnn/core';
import {
  Activation,
  BatchNormalization,
  Conv2D,
  type Conv2DConfig,
  Model,
  type SymbolicTensor,
} from '@cnn/layers';

/** A bad option for a zoo model: the message says what was expected and what came. *
 * @example
 * ```ts
 * expect(() => vgg('D', { inputShape: [16, 16, 3] })).toThrow(ZooError);
 * ```
 */
export class ZooError extends CnnError {}

/** Options every zoo builder takes. */
export interface BuildOptions {
  /** Seed of the weights' initialisers. Default 0. */
  seed?: number;
  /**
   * False makes the graph without weights: shapes, `countParams()` and `summarize` work and nothing is
   * allocated until `model.buildWeights()` (to count ResNet-152 without its 240 MB, or to load weights
   * into it). Default true.
   */
  build?: boolean;
}

/** Options of the classifiers: input size and number of classes. */
export interface ClassifierOptions extends BuildOptions {
  /** Output classes (logits; the softmax belongs to the loss). Default: the family's (1000 for ImageNet). */
  classes?: number;
  /** [height, width, channels] of one image. Default: the family's native size. */
  inputShape?: readonly [number, number, number];
}

/** The resolved input shape and classes, checked: positive integers, spatial sides at least `minSide`. */
export function classifierShape(
  family: string,
  options: ClassifierOptions,
  defaults: { inputShape: readonly [number, number, number]; classes: number; minSide?: number },
): { inputShape: [number, number, number]; classes: number } {
  const inputShape = [...(options.inputShape ?? defaults.inputShape)] as [number, number, number];
  const classes = options.classes ?? defaults.classes;
  const min = defaults.minSide ?? 1;
  if (
    inputShape.length !== 3 ||
    !inputShape.every((d) => Number.isInteger(d) && d >= 1) ||
    inputShape[0] < min ||
    inputShape[1] < min
  ) {
    throw new ZooError(
      `${family}: inputShape must be [height, width, channels] of positive integers with sides ≥ ${min}, got [${inputShape.join(', ')}]`,
    );
  }
  positiveInteger(family, 'classes', classes);
  return { inputShape, classes };
}

/** Throws a {@link ZooError} unless `value` is a positive integer. */
export function positiveInteger(family: string, option: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ZooError(`${family}: ${option} must be a positive integer, got ${value}`);
  }
  return value;
}

/** The model of a finished graph, built (or not) as the options say. */
export function finish(
  name: string,
  inputs: SymbolicTensor,
  outputs: SymbolicTensor | SymbolicTensor[],
  options: BuildOptions,
): Model {
  return new Model({ name, inputs, outputs, seed: options.seed, build: options.build });
}

/**
 * Convolution, batch normalisation, ReLU (the unit of ResNet, FractalNet and the BN variants of VGG),
 * named `name`, `name_bn`, `name_relu` unless `names` says otherwise; without BN, the ReLU is the
 * convolution's own activation. Bias-free when BN follows (its β is the bias), as in torchvision.
 */
export function convBnRelu(
  x: SymbolicTensor,
  config: Omit<Conv2DConfig, 'name' | 'activation'>,
  options: {
    name: string;
    batchNorm: boolean;
    relu?: boolean;
    names?: { bn?: string; relu?: string };
    /** Keep the convolution's bias before BN (torchvision's VGG-BN does). Default false. */
    biasBeforeBn?: boolean;
  },
): SymbolicTensor {
  const relu = options.relu ?? true;
  if (!options.batchNorm) {
    return new Conv2D({ ...config, name: options.name, activation: relu ? 'relu' : undefined }).apply(x);
  }
  let h = new Conv2D({ ...config, name: options.name, useBias: options.biasBeforeBn ?? false }).apply(x);
  // torchvision's BN: ε = 1e-5, running averages moved by 0.1 (Keras' momentum 0.9).
  h = new BatchNormalization({
    name: options.names?.bn ?? `${options.name}_bn`,
    epsilon: 1e-5,
    momentum: 0.9,
  }).apply(h);
  if (!relu) return h;
  return new Activation({ activation: 'relu', name: options.names?.relu ?? `${options.name}_relu` }).apply(h);
}
