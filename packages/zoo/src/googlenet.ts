import {
  AveragePooling2D,
  Concatenate,
  Conv2D,
  Dense,
  Dropout,
  Flatten,
  GlobalAveragePooling2D,
  input,
  LocalResponseNormalization,
  MaxPooling2D,
  type Model,
  type SymbolicTensor,
} from '@cnn/layers';
import { type ClassifierOptions, classifierShape, finish } from './common';

/** One inception module: filters of each branch, as the columns of the paper's Table 1. */
export interface InceptionRow {
  readonly name: string;
  /** #1×1 */
  readonly b1: number;
  /** #3×3 reduce, #3×3 */
  readonly b3: readonly [number, number];
  /** #5×5 reduce, #5×5 */
  readonly b5: readonly [number, number];
  /** pool proj */
  readonly pool: number;
}

const row = (
  name: string,
  b1: number,
  r3: number,
  b3: number,
  r5: number,
  b5: number,
  pool: number,
): InceptionRow => ({
  name,
  b1,
  b3: [r3, b3],
  b5: [r5, b5],
  pool,
});

/**
 * Table 1 of Szegedy et al. (2015), the inception modules in order, `'maxpool'` for the 3×3 stride-2
 * poolings between stages. Each module's output has b1 + b3[1] + b5[1] + pool channels (3a: 256).
 *
 * @example
 * ```ts
 * const net = googlenet({ build: false });   // built from this table
 * ```
 */
export const inceptionTable: readonly (InceptionRow | 'maxpool')[] = [
  row('inception3a', 64, 96, 128, 16, 32, 32),
  row('inception3b', 128, 128, 192, 32, 96, 64),
  'maxpool',
  row('inception4a', 192, 96, 208, 16, 48, 64),
  row('inception4b', 160, 112, 224, 24, 64, 64),
  row('inception4c', 128, 128, 256, 24, 64, 64),
  row('inception4d', 112, 144, 288, 32, 64, 64),
  row('inception4e', 256, 160, 320, 32, 128, 128),
  'maxpool',
  row('inception5a', 256, 160, 320, 32, 128, 128),
  row('inception5b', 384, 192, 384, 48, 128, 128),
];

/** Options of {@link googlenet}. */
export interface GoogLeNetOptions extends ClassifierOptions {
  /** The two auxiliary classifiers on inception4a and inception4d, as extra outputs. Default false. */
  auxHeads?: boolean;
  /** Dropout before the classifier. Default 0.4 (the paper's). */
  dropout?: number;
}

const conv = (h: SymbolicTensor, name: string, filters: number, kernelSize: number, strides = 1) =>
  new Conv2D({ name, filters, kernelSize, strides, padding: 'same', activation: 'relu' }).apply(h);

function inception(h: SymbolicTensor, r: InceptionRow): SymbolicTensor {
  const n = r.name;
  const pool = new MaxPooling2D({ poolSize: 3, strides: 1, padding: 'same', name: `${n}.pool` }).apply(h);
  return new Concatenate({ name: n }).apply([
    conv(h, `${n}.1x1`, r.b1, 1),
    conv(conv(h, `${n}.3x3_reduce`, r.b3[0], 1), `${n}.3x3`, r.b3[1], 3),
    conv(conv(h, `${n}.5x5_reduce`, r.b5[0], 1), `${n}.5x5`, r.b5[1], 5),
    conv(pool, `${n}.pool_proj`, r.pool, 1),
  ]);
}

/** An auxiliary classifier (§5): 5×5/3 average pooling, 1×1 conv 128, fc 1024, dropout 0.7, fc. */
function auxHead(h: SymbolicTensor, name: string, classes: number): SymbolicTensor {
  let a = new AveragePooling2D({ poolSize: 5, strides: 3, name: `${name}.pool` }).apply(h);
  a = conv(a, `${name}.conv`, 128, 1);
  a = new Flatten({ name: `${name}.flatten` }).apply(a);
  a = new Dense({ units: 1024, activation: 'relu', name: `${name}.fc1` }).apply(a);
  a = new Dropout({ rate: 0.7, name: `${name}.dropout` }).apply(a);
  return new Dense({ units: classes, name: `${name}.fc2` }).apply(a);
}

/**
 * GoogLeNet (Szegedy et al. 2015, Table 1 and Fig. 3; Caffe's bvlc_googlenet): the stem (`conv1`,
 * `pool1`, `lrn1`, `conv2_reduce`, `conv2`, `lrn2`, `pool2`), the modules of {@link inceptionTable}
 * (`inception3a`… their concatenated outputs; branches `inception3a.1x1`, `.3x3_reduce`, `.3x3`,
 * `.5x5_reduce`, `.5x5`, `.pool`, `.pool_proj`), `pool3`, `pool4`, global average pooling, dropout and
 * `fc` (logits). 6,998,552 parameters for 1000 classes; with `auxHeads` the model has three outputs
 * `[fc, aux1.fc2, aux2.fc2]` (13,378,280 parameters), the first of which `predict` and `fit` use.
 *
 * @example
 * ```ts
 * const net = googlenet();
 * const { inception4c } = net.run(image, { outputs: ['inception4c'] });   // DeepDream's layer
 * ```
 */
export function googlenet(options: GoogLeNetOptions = {}): Model {
  const auxHeads = options.auxHeads ?? false;
  const { inputShape, classes } = classifierShape('googlenet', options, {
    inputShape: [224, 224, 3],
    classes: 1000,
    minSide: auxHeads ? 80 : 32, // the aux heads' 5×5 pooling needs 4a's map (input / 16) at least 5×5
  });
  const x = input({ shape: inputShape, name: 'input' });
  const pool = (h: SymbolicTensor, name: string) =>
    new MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same', name }).apply(h);
  let h = conv(x, 'conv1', 64, 7, 2);
  h = new LocalResponseNormalization({ name: 'lrn1' }).apply(pool(h, 'pool1'));
  h = conv(conv(h, 'conv2_reduce', 64, 1), 'conv2', 192, 3);
  h = pool(new LocalResponseNormalization({ name: 'lrn2' }).apply(h), 'pool2');
  const aux: SymbolicTensor[] = [];
  let stage = 3;
  for (const r of inceptionTable) {
    if (r === 'maxpool') {
      h = pool(h, `pool${stage++}`);
      continue;
    }
    h = inception(h, r);
    if (auxHeads && r.name === 'inception4a') aux.push(auxHead(h, 'aux1', classes));
    if (auxHeads && r.name === 'inception4d') aux.push(auxHead(h, 'aux2', classes));
  }
  h = new GlobalAveragePooling2D({ name: 'avgpool' }).apply(h);
  const dropout = options.dropout ?? 0.4;
  if (dropout > 0) h = new Dropout({ rate: dropout, name: 'dropout' }).apply(h);
  const logits = new Dense({ units: classes, name: 'fc' }).apply(h);
  return finish('googlenet', x, [logits, ...aux], options);
}
