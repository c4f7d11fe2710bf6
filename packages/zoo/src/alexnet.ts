import {
  Conv2D,
  Dense,
  Dropout,
  Flatten,
  input,
  LocalResponseNormalization,
  MaxPooling2D,
  type Model,
  type Padding,
  type SymbolicTensor,
} from '@cnn/layers';
import { type ClassifierOptions, classifierShape, finish, ZooError } from './common';

/** One convolution of an AlexNet-like table, followed by what comes after it. */
export interface ConvRow {
  readonly name: string;
  readonly filters: number;
  readonly kernel: number;
  readonly stride?: number;
  readonly padding?: Padding;
  /** Channel groups (AlexNet's two GPUs: a layer whose towers do not talk). Default 1. */
  readonly groups?: number;
  /** Local response normalisation after the ReLU. */
  readonly lrn?: boolean;
  /** 3×3 max pooling with stride 2 after it (padding 'same' where the layout asks for ceil-mode sizes). */
  readonly pool?: Padding;
}

/** An AlexNet-like table: the convolutions, then fully connected layers of `fc` units. */
export interface AlexNetTable {
  readonly inputShape: readonly [number, number, number];
  readonly convs: readonly ConvRow[];
  readonly fc: number;
}

/** The two AlexNet layouts: torchvision's one-tower net and the paper's two towers (Caffe's bvlc_alexnet). *
 * @example
 * ```ts
 * alexnetTables.paper.convs[1]; // { name: 'conv2', filters: 256, kernel: 5, padding: 2, groups: 2, … }
 * ```
 */
export const alexnetTables: Readonly<Record<'torchvision' | 'paper', AlexNetTable>> = {
  // torchvision.models.alexnet (after "One weird trick", Krizhevsky 2014): 64-192-384-256-256, no LRN.
  torchvision: {
    inputShape: [224, 224, 3],
    convs: [
      { name: 'conv1', filters: 64, kernel: 11, stride: 4, padding: 2, pool: 'valid' },
      { name: 'conv2', filters: 192, kernel: 5, padding: 2, pool: 'valid' },
      { name: 'conv3', filters: 384, kernel: 3, padding: 1 },
      { name: 'conv4', filters: 256, kernel: 3, padding: 1 },
      { name: 'conv5', filters: 256, kernel: 3, padding: 1, pool: 'valid' },
    ],
    fc: 4096,
  },
  // Krizhevsky et al. 2012, Fig. 2 and §3.3–3.4 as Caffe's bvlc_alexnet lays it out: 227×227 input, LRN
  // after conv1 and conv2 then pooling; conv2, conv4, conv5 see only their own tower (groups 2), conv3
  // and the fully connected layers see both.
  paper: {
    inputShape: [227, 227, 3],
    convs: [
      { name: 'conv1', filters: 96, kernel: 11, stride: 4, lrn: true, pool: 'valid' },
      { name: 'conv2', filters: 256, kernel: 5, padding: 2, groups: 2, lrn: true, pool: 'valid' },
      { name: 'conv3', filters: 384, kernel: 3, padding: 1 },
      { name: 'conv4', filters: 384, kernel: 3, padding: 1, groups: 2 },
      { name: 'conv5', filters: 256, kernel: 3, padding: 1, groups: 2, pool: 'valid' },
    ],
    fc: 4096,
  },
};

/** Options of {@link alexnet}. */
export interface AlexNetOptions extends ClassifierOptions {
  /** 'torchvision' (default: one tower, 61,100,840 parameters) or 'paper' (two towers, LRN: 60,965,224). */
  layout?: 'torchvision' | 'paper';
  /** Dropout before fc6 and fc7. Default 0.5. */
  dropout?: number;
  /** Units of fc6 and fc7. Default 4096 (the paper's). */
  fcUnits?: number;
}

/**
 * The network of an AlexNet-like table: each row a ReLU convolution (named `conv1`…), with `lrn1`/`pool1`
 * … after it where the row says, then `fc6`, `fc7` (ReLU, dropout before each) and `fc8` (logits).
 * {@link alexnet} and {@link zfnet} are tables handed to it.
 *
 * @example
 * ```ts
 * const net = alexnetLike('my_alexnet', { ...alexnetTables.paper, fc: 2048 }, { classes: 10 });
 * ```
 */
export function alexnetLike(
  name: string,
  table: AlexNetTable,
  options: ClassifierOptions & { dropout?: number; fcUnits?: number },
): Model {
  const { inputShape, classes } = classifierShape(name, options, {
    inputShape: table.inputShape,
    classes: 1000,
  });
  const dropout = options.dropout ?? 0.5;
  const x = input({ shape: inputShape, name: 'input' });
  let h: SymbolicTensor = x;
  table.convs.forEach((row, i) => {
    h = new Conv2D({
      name: row.name,
      filters: row.filters,
      kernelSize: row.kernel,
      strides: row.stride ?? 1,
      padding: row.padding ?? 'valid',
      groups: row.groups ?? 1,
      activation: 'relu',
    }).apply(h);
    if (row.lrn) h = new LocalResponseNormalization({ name: `lrn${i + 1}` }).apply(h);
    if (row.pool)
      h = new MaxPooling2D({ poolSize: 3, strides: 2, padding: row.pool, name: `pool${i + 1}` }).apply(h);
  });
  h = new Flatten({ name: 'flatten' }).apply(h);
  for (const fc of ['fc6', 'fc7']) {
    if (dropout > 0) h = new Dropout({ rate: dropout, name: `drop${fc.slice(2)}` }).apply(h);
    h = new Dense({ units: options.fcUnits ?? table.fc, activation: 'relu', name: fc }).apply(h);
  }
  return finish(name, x, new Dense({ units: classes, name: 'fc8' }).apply(h), options);
}

/**
 * AlexNet (Krizhevsky, Sutskever & Hinton 2012) in torchvision's one-tower layout (default; its 61,100,840
 * parameters) or the paper's two-tower layout with LRN and grouped convolutions (`layout: 'paper'`,
 * 227×227 input, Caffe's bvlc_alexnet: 60,965,224). Activations: `conv1`…`conv5`, `lrn1`, `lrn2` (paper),
 * `pool1`, `pool2`, `pool5`, `fc6`, `fc7`, `fc8`.
 *
 * @example
 * ```ts
 * const net = alexnet({ layout: 'paper' });
 * const { conv1 } = net.run(images, { outputs: ['conv1'] });   // 96 filters, 48 per tower
 * ```
 */
export function alexnet(options: AlexNetOptions = {}): Model {
  const layout = options.layout ?? 'torchvision';
  const table = alexnetTables[layout];
  if (!table) throw new ZooError(`alexnet: layout must be 'torchvision' or 'paper', got '${layout}'`);
  return alexnetLike(layout === 'paper' ? 'alexnet_paper' : 'alexnet', table, options);
}
