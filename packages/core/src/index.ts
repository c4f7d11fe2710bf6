/**
 * @cnn/core — the shared tensor interface of the cnn packages: backend choice (`ready`), every gradient
 * registered, kernels backends lack filled in, image I/O in Node and the browser, a seeded RNG, a
 * tensor-leak guard and progress reporting.
 *
 * @packageDocumentation
 */
export { ADAM_KERNEL, type AdamStep, applyAdam } from './adam_kernel';
export { BACKENDS, type BackendName, type BackendReport, type ReadyOptions, ready } from './backend';
export { BIAS_RELU_KERNEL, biasRelu } from './bias_relu_kernel';
export {
  type ConvGeometry,
  conv2dFilterGradient,
  conv2dInputGradient,
  depthwiseFilterGradient,
  depthwiseInputGradient,
  type Padding,
} from './conv_gradients';
export { BackendError, CnnError, ImageError, type SkippedBackend, TensorLeakError } from './errors';
export {
  behindHeader,
  byteMutations,
  bytePrefixes,
  type FuzzTarget,
  fuzzFailures,
  randomByteStrings,
} from './fuzz';
export { registerGradients } from './gradients';
export { fromBfloat16, fromHalf, toBfloat16, toHalf } from './half';
export { hostData } from './heap';
export { hostThreads, setHostThreads } from './host_pool';
export { type Channels, type DecodeOptions, decodeImage, type EncodeOptions, encodePng } from './image/codec';
export { readImage, writeImage } from './image/files';
export { fromPixels, type PixelSource, toCanvas, toImageData } from './image/pixels';
export { type InstalledKernels, type InstallOptions, installKernels } from './kernels';
export { countTensors, expectNoLeaks } from './leak';
export {
  ProgressBar,
  type ProgressBarOptions,
  type ProgressCallback,
  type ProgressEvent,
  type ProgressStream,
} from './progress';
export { Rng, type RngState } from './random';
export {
  assemble,
  f32,
  f64,
  i32,
  instantiateOn,
  instantiateOwn,
  type OwnKernels,
  op,
  v128,
  type WasmFunction,
} from './wasm_asm';
