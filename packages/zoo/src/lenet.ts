import { AveragePooling2D, Conv2D, Dense, Flatten, input, type Model } from '@cnn/layers';
import { type ClassifierOptions, classifierShape, finish, ZooError } from './common';

/**
 * LeNet-5 (LeCun, Bottou, Bengio & Haffner 1998, Fig. 2), in today's usual reading: C1 6@5×5, S2 2×2
 * average pooling, C3 16@5×5 (fully connected to S2's maps, not the paper's partial table), S4, C5
 * 120@5×5, F6 84, output `classes`, tanh throughout; 61,706 parameters for 10 classes. The paper drew
 * 28×28 digits inside a 32×32 field: a smaller input (MNIST's 28×28) is zero padded up to 32 by C1, so
 * every later size is the paper's. Activations: `c1`, `s2`, `c3`, `s4`, `c5`, `f6`, `output` (logits).
 *
 * @example
 * ```ts
 * const net = lenet5({ inputShape: [28, 28, 1] });   // MNIST as it comes
 * ```
 */
export function lenet5(options: ClassifierOptions = {}): Model {
  const { inputShape, classes } = classifierShape('lenet5', options, {
    inputShape: [32, 32, 1],
    classes: 10,
  });
  const [height, width] = inputShape;
  if (height > 32 || width > 32 || (32 - height) % 2 !== 0 || (32 - width) % 2 !== 0) {
    throw new ZooError(
      `lenet5: input sides must be even and at most 32 (padded to the paper's 32×32), got ${height}×${width}`,
    );
  }
  const x = input({ shape: inputShape, name: 'input' });
  const tanh = 'tanh' as const;
  let h = new Conv2D({
    filters: 6,
    kernelSize: 5,
    padding: [(32 - height) / 2, (32 - width) / 2],
    activation: tanh,
    name: 'c1',
  }).apply(x);
  h = new AveragePooling2D({ poolSize: 2, name: 's2' }).apply(h);
  h = new Conv2D({ filters: 16, kernelSize: 5, activation: tanh, name: 'c3' }).apply(h);
  h = new AveragePooling2D({ poolSize: 2, name: 's4' }).apply(h);
  h = new Conv2D({ filters: 120, kernelSize: 5, activation: tanh, name: 'c5' }).apply(h);
  h = new Flatten({ name: 'flatten' }).apply(h);
  h = new Dense({ units: 84, activation: tanh, name: 'f6' }).apply(h);
  return finish('lenet5', x, new Dense({ units: classes, name: 'output' }).apply(h), options);
}
