import { Conv2D, Dropout, GlobalAveragePooling2D, input, type Model, type SymbolicTensor } from '@cnn/layers';
import { type ClassifierOptions, classifierShape, finish } from './common';

/**
 * Table 2's model C of Springenberg et al. (2015), "All-CNN-C", row by row: [filters, kernel, stride,
 * padding]. Stride-2 convolutions stand where max pooling was (seed 000: "no pooling").
 *
 * @example
 * ```ts
 * allCnnCTable.filter(([, , stride]) => stride === 2).length; // 2: the poolings it replaces
 * ```
 */
export const allCnnCTable: readonly (readonly [number, number, number, 'same' | 'valid'])[] = [
  [96, 3, 1, 'same'],
  [96, 3, 1, 'same'],
  [96, 3, 2, 'same'],
  [192, 3, 1, 'same'],
  [192, 3, 1, 'same'],
  [192, 3, 2, 'same'],
  [192, 3, 1, 'valid'],
  [192, 1, 1, 'valid'],
];

/** Options of {@link allCnnC}. */
export interface AllCnnCOptions extends ClassifierOptions {
  /** Dropout on the input and after each stride-2 layer: the paper's 0.2 and 0.5. Default true. */
  dropout?: boolean;
}

/**
 * The all-convolutional net All-CNN-C (Springenberg, Dosovitskiy, Brox & Riedmiller 2015) for CIFAR-10:
 * {@link allCnnCTable}'s ReLU convolutions `conv1`…`conv8`, `conv9` (1×1, one filter per class) and global
 * average pooling `logits`. 1,369,738 parameters (the paper's Table 3: ≈ 1.4 M).
 *
 * @example
 * ```ts
 * const net = allCnnC();
 * ```
 */
export function allCnnC(options: AllCnnCOptions = {}): Model {
  const { inputShape, classes } = classifierShape('allCnnC', options, {
    inputShape: [32, 32, 3],
    classes: 10,
    minSide: 9,
  });
  const dropout = options.dropout ?? true;
  const x = input({ shape: inputShape, name: 'input' });
  let h: SymbolicTensor = dropout ? new Dropout({ rate: 0.2, name: 'input_drop' }).apply(x) : x;
  allCnnCTable.forEach(([filters, kernelSize, strides, padding], i) => {
    const name = `conv${i + 1}`;
    h = new Conv2D({ filters, kernelSize, strides, padding, activation: 'relu', name }).apply(h);
    if (dropout && strides === 2) h = new Dropout({ rate: 0.5, name: `${name}_drop` }).apply(h);
  });
  h = new Conv2D({ filters: classes, kernelSize: 1, activation: 'relu', name: 'conv9' }).apply(h);
  return finish('all_cnn_c', x, new GlobalAveragePooling2D({ name: 'logits' }).apply(h), options);
}
