import * as tf from '@tensorflow/tfjs-core';
import {
  conv2dFilterGradient,
  conv2dInputGradient,
  depthwiseFilterGradient,
  depthwiseInputGradient,
  fromNhwc,
  geometry,
  type Shape4,
  shapeToNhwc,
  toNhwc,
} from './conv_gradients';

let registered: Promise<void> | undefined;

/**
 * Registers tfjs' gradients and chained tensor methods (`x.square()` …), then convolution gradients that
 * also differentiate dilated convolutions, which tfjs' own refuse. Once per process; `ready` calls it.
 *
 * tfjs-core leaves these registrations out of its Node entry, and their ESM files do not load in plain
 * Node; the Node build of this package bundles them, a browser app's bundler resolves them.
 */
export function registerGradients(): Promise<void> {
  registered ??= (async () => {
    await import('@tensorflow/tfjs-core/dist/register_all_gradients');
    await import('@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops');
    for (const config of CONV_GRADIENTS) tf.registerGradient(config);
  })();
  return registered;
}

const isOne = (v: unknown) => v == null || v === 1 || (Array.isArray(v) && v.every((d) => d === 1));

/**
 * Undilated convolutions keep their backend's backprop kernels (filled where missing); dilated ones use
 * the forward-convolution forms of `conv_gradients.ts` on every backend.
 */
const CONV_GRADIENTS: tf.GradConfig[] = [
  {
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dyOrList, saved, attrs) => {
      const dy = dyOrList as tf.Tensor4D;
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const format = attrs.dataFormat;
      if (isOne(attrs.dilations)) {
        const { strides, pad, dataFormat, dimRoundingMode } = attrs;
        const common = { strides, pad, dataFormat, dimRoundingMode } as tf.NamedAttrMap;
        return {
          x: () =>
            tf
              .engine()
              .runKernel<tf.Tensor>(
                'Conv2DBackpropInput',
                { dy, filter },
                { ...common, inputShape: x.shape },
              ),
          filter: () =>
            tf
              .engine()
              .runKernel<tf.Tensor>(
                'Conv2DBackpropFilter',
                { x, dy },
                { ...common, filterShape: filter.shape },
              ),
        };
      }
      const g = geometry(attrs);
      const dyNhwc = () => toNhwc(dy, format);
      return {
        x: () => fromNhwc(conv2dInputGradient(shapeToNhwc(x.shape, format), dyNhwc(), filter, g), format),
        filter: () => conv2dFilterGradient(toNhwc(x, format), dyNhwc(), filter.shape, g),
      };
    },
  },
  {
    kernelName: 'DepthwiseConv2dNative',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dyOrList, saved, attrs) => {
      const dy = dyOrList as tf.Tensor4D;
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      if (isOne(attrs.dilations)) {
        const { strides, pad, dimRoundingMode } = attrs;
        const common = { strides, pad, dimRoundingMode, dilations: 1 } as tf.NamedAttrMap;
        return {
          x: () =>
            tf
              .engine()
              .runKernel<tf.Tensor>(
                'DepthwiseConv2dNativeBackpropInput',
                { dy, filter },
                { ...common, inputShape: x.shape },
              ),
          filter: () =>
            tf
              .engine()
              .runKernel<tf.Tensor>(
                'DepthwiseConv2dNativeBackpropFilter',
                { x, dy },
                { ...common, filterShape: filter.shape },
              ),
        };
      }
      const g = geometry(attrs);
      return {
        x: () => depthwiseInputGradient(x.shape as Shape4, dy, filter, g),
        filter: () => depthwiseFilterGradient(x, dy, filter.shape, g),
      };
    },
  },
];
