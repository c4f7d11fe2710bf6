import type { Model } from '@cnn/layers';
import { type AlexNetOptions, alexnet } from './alexnet';
import { type AllCnnCOptions, allCnnC } from './all_cnn';
import { type AlphaGoPolicyOptions, alphagoPolicy } from './alphago';
import { cifarCnn } from './cifar_cnn';
import { type ClassifierOptions, ZooError } from './common';
import { type FractalNetOptions, fractalnet } from './fractalnet';
import { type GoogLeNetOptions, googlenet } from './googlenet';
import { lenet5 } from './lenet';
import { type MnistCnnOptions, mnistCnn } from './mnist_cnn';
import { type ResNetDepth, type ResNetOptions, resnet } from './resnet';
import { type VggConfig, type VggOptions, vgg } from './vgg';
import { type XorMlpOptions, xorMlp } from './xor';
import { type ZfNetOptions, zfnet } from './zfnet';

/** The options any registry entry takes: each builder reads those it knows. */
export type ZooOptions = ClassifierOptions &
  AllCnnCOptions &
  AlexNetOptions &
  AlphaGoPolicyOptions &
  FractalNetOptions &
  GoogLeNetOptions &
  MnistCnnOptions &
  ResNetOptions &
  VggOptions &
  XorMlpOptions &
  ZfNetOptions;

/** A builder of the registry: options in, a model out. */
export type ZooEntry = (options?: ZooOptions) => Model;

const vggNames: [string, VggConfig][] = [
  ['vgg11', 'A'],
  ['vgg11_lrn', 'A-LRN'],
  ['vgg13', 'B'],
  ['vgg16_c', 'C'],
  ['vgg16', 'D'],
  ['vgg19', 'E'],
];
const resnetDepths: ResNetDepth[] = [18, 34, 50, 101, 152, 20, 32, 44, 56, 110];

/**
 * Every architecture by name: `vgg11` … `vgg19` and `_bn` variants (`vgg11_lrn` is column A-LRN,
 * `vgg16_c` column C), `alexnet`, `alexnet_paper`, `zfnet`, `lenet5`, `googlenet`, `resnet18` …
 * `resnet152`, `resnet20` … `resnet110` and their `plain` twins (`plain20` …), `resnet110_stochastic_depth`
 * (and every depth's), `fractalnet`, `alphago_policy`, `all_cnn_c`, `mnist_cnn`, `cifar_cnn`, `xor_mlp`.
 * Each entry is the family's builder with the name's options filled in; pass the rest.
 *
 * @example
 * ```ts
 * const net = zoo.resnet56({ classes: 10 });
 * for (const name of Object.keys(zoo)) console.log(name, zoo[name]!({ build: false }).countParams());
 * ```
 */
export const zoo: Readonly<Record<string, ZooEntry>> = Object.freeze({
  ...Object.fromEntries(
    vggNames.flatMap(([name, config]) => [
      [name, (o: ZooOptions = {}) => vgg(config, o)],
      [`${name}_bn`, (o: ZooOptions = {}) => vgg(config, { ...o, batchNorm: true })],
    ]),
  ),
  alexnet: (o: ZooOptions = {}) => alexnet({ ...o, layout: 'torchvision' }),
  alexnet_paper: (o: ZooOptions = {}) => alexnet({ ...o, layout: 'paper' }),
  zfnet: (o: ZooOptions = {}) => zfnet(o),
  lenet5: (o: ZooOptions = {}) => lenet5(o),
  googlenet: (o: ZooOptions = {}) => googlenet(o),
  ...Object.fromEntries(
    resnetDepths.flatMap((d) => [
      [`resnet${d}`, (o: ZooOptions = {}) => resnet(d, { ...o, plain: false })],
      [`plain${d}`, (o: ZooOptions = {}) => resnet(d, { ...o, plain: true, stochasticDepth: false })],
      [
        `resnet${d}_stochastic_depth`,
        // p_L from the options if given (0 is a p_L too), else the paper's 0.5.
        (o: ZooOptions = {}) =>
          resnet(d, {
            ...o,
            plain: false,
            stochasticDepth: typeof o.stochasticDepth === 'number' ? o.stochasticDepth : true,
          }),
      ],
    ]),
  ),
  fractalnet: (o: ZooOptions = {}) => fractalnet(o),
  alphago_policy: (o: ZooOptions = {}) => alphagoPolicy(o),
  all_cnn_c: (o: ZooOptions = {}) => allCnnC(o),
  mnist_cnn: (o: ZooOptions = {}) => mnistCnn(o),
  cifar_cnn: (o: ZooOptions = {}) => cifarCnn(o),
  xor_mlp: (o: ZooOptions = {}) => xorMlp(o),
});

/**
 * The model of a registry name, with a {@link ZooError} listing the names for one that is not there.
 *
 * @example
 * ```ts
 * const net = fromZoo('resnet50', { build: false });
 * ```
 */
export function fromZoo(name: string, options: ZooOptions = {}): Model {
  const entry = zoo[name];
  if (!entry) throw new ZooError(`zoo has no model '${name}'; it has ${Object.keys(zoo).join(', ')}`);
  return entry(options);
}
