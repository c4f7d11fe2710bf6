// Weight import: tfjs weight manifests (quantized too), safetensors with torchvision's names, matching by
// name, preprocessing per weight family and ImageNet's class names.
export { type AssignOptions, assignNamedWeights, type WeightRename } from './assign';
export { decodePredictions, type Prediction } from './decode_predictions';
export { PreprocessError, WeightFormatError, WeightMatchError } from './errors';
export {
  type FetchOptions,
  loadSafetensors,
  loadWeightsManifest,
  readBytes,
  WeightSourceError,
  writeSafetensors,
  writeWeightsManifest,
} from './files';
export { IMAGENET_CLASSES } from './imagenet_classes';
export {
  decodeWeightsManifest,
  parseWeightsManifest,
  type ShardSource,
  type WeightsManifest,
} from './manifest';
export { type EncodeManifestOptions, encodeWeightsManifest } from './manifest_write';
export { modelWeights, type NamedWeights, type WeightValue } from './named';
export {
  CAFFE_MEAN_BGR,
  type PreprocessMode,
  preprocessInput,
  TORCH_MEAN,
  TORCH_STD,
} from './preprocess';
export { type Quantization, quantizeWeight } from './quantize';
export {
  encodeSafetensors,
  parseSafetensors,
  SAFETENSORS_DTYPES,
  type SafeTensor,
  type SafeTensorInput,
  type Safetensors,
  type SafetensorsDtype,
  safeTensorValues,
} from './safetensors';
export { loadTorchWeights, type TorchModule, type TorchNames, torchWeights } from './torch';
export { alexnetTorchNames, resnetTorchNames, type VggTorchConfig, vggTorchNames } from './torchvision_names';
