import * as tf from '@tensorflow/tfjs-core';
import { BIAS_RELU_GRADIENT } from './bias_relu_kernel';
import {
  conv2dFilterGradient,
  conv2dInputGradient,
  depthwiseFilterGradient,
  depthwiseInputGradient,
  fromNhwc,
  geometry,
  shapeToNhwc,
  toNhwc,
} from './conv_gradients';
import { reluGrad } from './relu_grad_kernel';

let registered: Promise<void> | undefined;

/**
 * Registers tfjs' gradients and chained tensor methods (`x.square()` …), then convolution gradients that
 * also differentiate dilated convolutions, which tfjs' own refuse, and ReLU's as one kernel where the
 * backend has it (`relu_grad_kernel.ts`). Once per process; `ready` calls it.
 *
 * tfjs-core leaves these registrations out of its Node entry, and their ESM files do not load in plain
 * Node; the Node build of this package bundles them, a browser app's bundler resolves them.
 */
export function registerGradients(): Promise<void> {
  registered ??= (async () => {
    await import('@tensorflow/tfjs-core/dist/register_all_gradients');
    await import('@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops');
    for (const config of [...CONV_GRADIENTS, RELU_GRADIENT, BIAS_RELU_GRADIENT]) tf.registerGradient(config);
  })();
  return registered;
}

const isOne = (v: unknown) => v == null || v === 1 || (Array.isArray(v) && v.every((d) => d === 1));

/** A convolution op: its kernels, and its gradients as forward convolutions. */
interface ConvFamily {
  kernelName: string;
  backpropInput: string;
  backpropFilter: string;
  inputGradient: typeof conv2dInputGradient;
  filterGradient: typeof conv2dFilterGradient;
}

const FAMILIES: ConvFamily[] = [
  {
    kernelName: 'Conv2D',
    backpropInput: 'Conv2DBackpropInput',
    backpropFilter: 'Conv2DBackpropFilter',
    inputGradient: conv2dInputGradient,
    filterGradient: conv2dFilterGradient,
  },
  {
    kernelName: 'DepthwiseConv2dNative',
    backpropInput: 'DepthwiseConv2dNativeBackpropInput',
    backpropFilter: 'DepthwiseConv2dNativeBackpropFilter',
    inputGradient: depthwiseInputGradient,
    filterGradient: depthwiseFilterGradient,
  },
];

/**
 * Undilated convolutions keep their backend's backprop kernels (filled where missing); dilated ones use
 * the forward-convolution forms of `conv_gradients.ts` on every backend.
 */
function convGradient(family: ConvFamily): tf.GradConfig {
  return {
    kernelName: family.kernelName,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dyOrList, saved, attrs) => {
      const dy = dyOrList as tf.Tensor4D;
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const { strides, pad, dataFormat, dimRoundingMode, dilations } = attrs;
      if (isOne(dilations)) {
        const common = { strides, pad, dataFormat, dimRoundingMode, dilations: 1 } as tf.NamedAttrMap;
        const run = (kernel: string, inputs: tf.NamedTensorMap, extra: tf.NamedAttrMap) =>
          tf.engine().runKernel<tf.Tensor>(kernel, inputs, { ...common, ...extra });
        return {
          x: () => run(family.backpropInput, { dy, filter }, { inputShape: x.shape }),
          filter: () => run(family.backpropFilter, { x, dy }, { filterShape: filter.shape }),
        };
      }
      const g = geometry(attrs);
      const xShape = shapeToNhwc(x.shape, dataFormat);
      return {
        x: () => fromNhwc(family.inputGradient(xShape, toNhwc(dy, dataFormat), filter, g), dataFormat),
        filter: () => family.filterGradient(toNhwc(x, dataFormat), toNhwc(dy, dataFormat), filter.shape, g),
      };
    },
  };
}

const CONV_GRADIENTS = FAMILIES.map(convGradient);

/** ReLU's gradient, dy where x > 0: tfjs' definition, one fused kernel on wasm. */
const RELU_GRADIENT: tf.GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dy, [x]) => ({ x: () => reluGrad(dy as tf.Tensor, x!) }),
};
