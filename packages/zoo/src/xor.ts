import { Dense, input, type Model } from '@cnn/layers';
import { type BuildOptions, finish, positiveInteger } from './common';

/** Options of {@link xorMlp}. */
export interface XorMlpOptions extends BuildOptions {
  /** Sigmoid hidden units. Default 2, the fewest that separate XOR. */
  hidden?: number;
}

/**
 * The multilayer perceptron of seed 003's XOR recap: 2 inputs, `hidden` sigmoid units (`hidden`), 2
 * class logits (`output`); 12 parameters with 2 hidden units. XOR is the function no single-layer
 * perceptron computes (Minsky & Papert); one hidden layer does.
 *
 * @example
 * ```ts
 * const net = xorMlp().compile({ optimizer: new SGD({ learningRate: 1 }), loss: 'softmaxCrossEntropy' });
 * ```
 */
export function xorMlp(options: XorMlpOptions = {}): Model {
  const hidden = positiveInteger('xorMlp', 'hidden', options.hidden ?? 2);
  const x = input({ shape: [2], name: 'input' });
  const h = new Dense({ units: hidden, activation: 'sigmoid', name: 'hidden' }).apply(x);
  return finish('xor_mlp', x, new Dense({ units: 2, name: 'output' }).apply(h), options);
}
