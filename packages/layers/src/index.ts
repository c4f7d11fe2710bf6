/**
 * @cnn/layers — the building blocks of convolutional networks and the craft of training them: layers
 * (convolution with groups and dilation, pooling including fractional max pooling, dense, batch and local
 * response normalisation, dropout, maxout, merges, drop-path and stochastic depth), a functional graph
 * with every activation reachable by name, `fit` with optimisers, losses, metrics, schedules and
 * callbacks, and gradient checking.
 *
 * @packageDocumentation
 */
export {
  type ActivationFn,
  type ActivationName,
  activation,
  activations,
  type NotPromise,
  withActivation,
} from './activations';
export {
  cosineDecay,
  earlyStopping,
  learningRateScheduler,
  reduceLrOnPlateau,
  type Schedule,
  stepDecay,
} from './callbacks';
export { LayerError, ShapeError } from './errors';
export {
  type GradientCheckEntry,
  type GradientCheckOptions,
  type GradientCheckResult,
  gradientCheck,
} from './gradient_check';
export {
  fans,
  type Initializer,
  type InitializerLike,
  initializer,
  initializers,
  varianceScaling,
} from './initializers';
export { type CallOptions, Layer, type LayerConfig, type Weight, type WeightShape } from './layer';
export {
  Activation,
  type ActivationConfig,
  type AlphaConfig,
  ELU,
  LeakyReLU,
  ReLU,
  type ReLUConfig,
  Softmax,
  type SoftmaxConfig,
} from './layers/activation';
export { BatchNormalization, type BatchNormalizationConfig } from './layers/batch_normalization';
export { Conv2D, type Conv2DConfig } from './layers/conv2d';
export { Dense, type DenseConfig } from './layers/dense';
export {
  DropPath,
  type DropPathConfig,
  linearDecaySurvival,
  StochasticDepth,
  type StochasticDepthConfig,
} from './layers/drop_path';
export { Dropout, type DropoutConfig } from './layers/dropout';
export {
  FractionalMaxPooling2D,
  type FractionalMaxPooling2DConfig,
  type FractionalSequenceOptions,
  fractionalPoolingSequence,
} from './layers/fractional_max_pooling';
export { LocalResponseNormalization, type LocalResponseNormalizationConfig } from './layers/lrn';
export { Maxout, type MaxoutConfig } from './layers/maxout';
export { Add, Average, Concatenate, type ConcatenateConfig, Merge } from './layers/merge';
export {
  AveragePooling2D,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  MaxPooling2D,
  type Pooling2DConfig,
} from './layers/pooling';
export {
  Flatten,
  Reshape,
  type ReshapeConfig,
  type ZeroPadding,
  ZeroPadding2D,
  type ZeroPadding2DConfig,
} from './layers/reshape';
export { type LossFn, type LossName, loss, losses } from './losses';
export { confusionMatrix, type MetricFn, type MetricName, metric, metrics, topKAccuracy } from './metrics';
export { type Activations, InputLayer, input, Model, type ModelConfig, Sequential } from './model';
export {
  Adam,
  Optimizer,
  type OptimizerConfig,
  type OptimizerName,
  optimizers,
  RMSprop,
  SGD,
  type SGDConfig,
} from './optimizers';
export { l1, l1l2, l2, type Regularizer } from './regularizers';
export { type LoadModelOptions, loadArtifacts, saveArtifacts } from './serialization/artifacts';
export { checkpointPath, type ModelCheckpointOptions, modelCheckpoint } from './serialization/checkpoint';
export { type LoadOptions, load, type SaveOptions, save } from './serialization/io';
export type { KerasObject } from './serialization/keras';
export {
  type LayerFactory,
  layerFromKeras,
  layerToKeras,
  registeredLayers,
  registerLayer,
} from './serialization/registry';
export {
  fromJSON,
  GENERATED_BY,
  type LayerEntry,
  type ModelTopology,
  type TensorRef,
  toJSON,
} from './serialization/topology';
export {
  assignWeights,
  decodeWeights,
  encodeWeights,
  SHARD_BYTES,
  shardWeights,
  type WeightSpec,
} from './serialization/weights';
export { formatShape, type Padding, type Pair, type Shape } from './shape';
export { formatSummary, type Summary, type SummaryRow, summarize } from './summary';
export { SymbolicTensor } from './symbolic';
export type { Batch, Callback, CompileOptions, Data, FitOptions, History, Logs } from './training';
