import { Conv2D, Dense, Dropout, Flatten, input, MaxPooling2D, type Model } from '@cnn/layers';
import { type ClassifierOptions, classifierShape, finish } from './common';

/**
 * The CIFAR-10 CNN of seed 000's Keras listing (Keras' `cifar10_cnn.py`): `conv1` 3×3×32 'same', `conv2`
 * 3×3×32, `pool1`, `drop1` 0.25, `conv3` 3×3×64 'same', `conv4` 3×3×64, `pool2`, `drop2` 0.25,
 * `flatten`, `fc1` 512, `drop3` 0.5, `logits`; ReLU throughout. 1,250,858 parameters, as Keras' summary.
 *
 * @example
 * ```ts
 * const net = cifarCnn().compile({ optimizer: new RMSprop({ learningRate: 1e-4 }), loss: 'softmaxCrossEntropy' });
 * ```
 */
export function cifarCnn(options: ClassifierOptions = {}): Model {
  const { inputShape, classes } = classifierShape('cifarCnn', options, {
    inputShape: [32, 32, 3],
    classes: 10,
    minSide: 10,
  });
  const conv = (filters: number, padding: 'same' | 'valid', name: string) =>
    new Conv2D({ filters, kernelSize: 3, padding, activation: 'relu', name });
  const x = input({ shape: inputShape, name: 'input' });
  let h = conv(32, 'same', 'conv1').apply(x);
  h = conv(32, 'valid', 'conv2').apply(h);
  h = new Dropout({ rate: 0.25, name: 'drop1' }).apply(
    new MaxPooling2D({ poolSize: 2, name: 'pool1' }).apply(h),
  );
  h = conv(64, 'same', 'conv3').apply(h);
  h = conv(64, 'valid', 'conv4').apply(h);
  h = new Dropout({ rate: 0.25, name: 'drop2' }).apply(
    new MaxPooling2D({ poolSize: 2, name: 'pool2' }).apply(h),
  );
  h = new Dense({ units: 512, activation: 'relu', name: 'fc1' }).apply(
    new Flatten({ name: 'flatten' }).apply(h),
  );
  h = new Dropout({ rate: 0.5, name: 'drop3' }).apply(h);
  return finish('cifar_cnn', x, new Dense({ units: classes, name: 'logits' }).apply(h), options);
}
