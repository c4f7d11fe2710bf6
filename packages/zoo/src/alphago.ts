import { Conv2D, Flatten, input, type Model } from '@cnn/layers';
import { type BuildOptions, finish, positiveInteger } from './common';
import { PositionBias } from './position_bias';

/** Options of {@link alphagoPolicy}. */
export interface AlphaGoPolicyOptions extends BuildOptions {
  /** k: filters of each hidden layer. Default 192 (the match version; the paper also trained 128, 256, 384). */
  filters?: number;
  /** Board side. Default 19. */
  board?: number;
  /** Input feature planes. Default 48. */
  planes?: number;
  /** Hidden convolution layers (the first 5×5, the rest 3×3). Default 12. */
  layers?: number;
}

/**
 * AlphaGo's SL policy network (Silver et al. 2016, Methods; seed 002): a 19×19×48 stack of feature
 * planes, `conv1` k 5×5 filters (padded to 23×23), `conv2`…`conv12` k 3×3 (padded to 21×21), all ReLU,
 * then `conv13` one 1×1 filter with a different bias per position (`bias`), flattened to 361 move logits
 * (`logits`; the softmax belongs to the loss). 3,882,793 parameters at k = 192.
 *
 * @example
 * ```ts
 * const net = alphagoPolicy({ filters: 128 });
 * const moves = tf.softmax(net.predict(planes));   // [batch, 361]
 * ```
 */
export function alphagoPolicy(options: AlphaGoPolicyOptions = {}): Model {
  const k = positiveInteger('alphagoPolicy', 'filters', options.filters ?? 192);
  const board = positiveInteger('alphagoPolicy', 'board', options.board ?? 19);
  const planes = positiveInteger('alphagoPolicy', 'planes', options.planes ?? 48);
  const layers = positiveInteger('alphagoPolicy', 'layers', options.layers ?? 12);
  const x = input({ shape: [board, board, planes], name: 'input' });
  let h = new Conv2D({ filters: k, kernelSize: 5, padding: 2, activation: 'relu', name: 'conv1' }).apply(x);
  for (let i = 2; i <= layers; i++) {
    h = new Conv2D({ filters: k, kernelSize: 3, padding: 1, activation: 'relu', name: `conv${i}` }).apply(h);
  }
  h = new Conv2D({ filters: 1, kernelSize: 1, useBias: false, name: `conv${layers + 1}` }).apply(h);
  h = new PositionBias({ name: 'bias' }).apply(h);
  return finish('alphago_policy', x, new Flatten({ name: 'logits' }).apply(h), options);
}
