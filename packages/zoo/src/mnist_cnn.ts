import { Conv2D, Dense, Dropout, Flatten, input, MaxPooling2D, type Model } from '@cnn/layers';
import { type ClassifierOptions, classifierShape, finish } from './common';

/** Options of {@link mnistCnn}. */
export interface MnistCnnOptions extends ClassifierOptions {
  /** Dropout before the last layer (the listing's `keep_prob` 0.5). Default 0.5; 0 for none. */
  dropout?: number;
}

/**
 * The MNIST CNN of the seeds' TensorFlow listings (seeds 000 and 004): `conv1` 5×5×32 'same' + ReLU,
 * `pool1` 2×2, `conv2` 5×5×64 + ReLU, `pool2`, `flatten`, `fc1` 1024 + ReLU, `dropout`, `logits`:
 * 3,274,634 parameters at 28×28×1 and 10 classes. Glorot-uniform weights (Keras' default).
 *
 * @example
 * ```ts
 * const net = mnistCnn().compile({ optimizer: new Adam({ learningRate: 1e-3 }), loss: 'softmaxCrossEntropy' });
 * ```
 */
export function mnistCnn(options: MnistCnnOptions = {}): Model {
  const { inputShape, classes } = classifierShape('mnistCnn', options, {
    inputShape: [28, 28, 1],
    classes: 10,
    minSide: 4,
  });
  const dropout = options.dropout ?? 0.5;
  const x = input({ shape: inputShape, name: 'input' });
  let h = new Conv2D({
    filters: 32,
    kernelSize: 5,
    padding: 'same',
    activation: 'relu',
    name: 'conv1',
  }).apply(x);
  h = new MaxPooling2D({ poolSize: 2, name: 'pool1' }).apply(h);
  h = new Conv2D({ filters: 64, kernelSize: 5, padding: 'same', activation: 'relu', name: 'conv2' }).apply(h);
  h = new MaxPooling2D({ poolSize: 2, name: 'pool2' }).apply(h);
  h = new Flatten({ name: 'flatten' }).apply(h);
  h = new Dense({ units: 1024, activation: 'relu', name: 'fc1' }).apply(h);
  if (dropout > 0) h = new Dropout({ rate: dropout, name: 'dropout' }).apply(h);
  return finish('mnist_cnn', x, new Dense({ units: classes, name: 'logits' }).apply(h), options);
}
