import * as tf from '@tensorflow/tfjs-core';
import { LayerError } from '../errors';
import { expectInputs, expectRank, Layer, type LayerConfig } from '../layer';
import type { Shape } from '../shape';

/** Options of {@link LocalResponseNormalization}; the defaults are AlexNet's. */
export interface LocalResponseNormalizationConfig extends LayerConfig {
  /** r: channels on each side in the sum, so the window is n = 2r + 1 channels. Default 2 (n = 5). */
  depthRadius?: number;
  /** k, added to the scaled sum. Default 2. */
  bias?: number;
  /** α, multiplying the sum of squares itself (not divided by n). Default 1e-4. */
  alpha?: number;
  /** β, the exponent. Default 0.75. */
  beta?: number;
}

/**
 * Local response normalisation across channels (Krizhevsky et al. 2012, AlexNet §3.3):
 * b_c = a_c / (k + α·Σ a_j²)^β, the sum over channels j from c − r to c + r (clipped at the edges), at
 * every pixel of an NHWC input. TensorFlow's parametrisation: α multiplies the sum, as in the AlexNet paper,
 * so the paper's n = 5, k = 2, α = 1e-4, β = 0.75 are `{ depthRadius: 2, bias: 2, alpha: 1e-4, beta:
 * 0.75 }`, the defaults. Caffe's LRN and PyTorch's `LocalResponseNorm` divide α by n instead: a model
 * from them with `alpha: a, local_size: n` is `{ alpha: a / n, depthRadius: (n − 1) / 2 }` here.
 *
 * It runs `tf.localResponseNormalization`, whose kernel and gradient kernel (LRN, LRNGrad) every tfjs
 * backend has: cpu, wasm, webgl, webgpu and tfjs-node.
 *
 * @example
 * ```ts
 * const x = input({ shape: [55, 55, 96] });
 * const y = new LocalResponseNormalization().apply(x);   // AlexNet's, after conv1
 * ```
 */
export class LocalResponseNormalization extends Layer {
  readonly className = 'LocalResponseNormalization';
  readonly depthRadius: number;
  readonly bias: number;
  readonly alpha: number;
  readonly beta: number;

  constructor(config: LocalResponseNormalizationConfig = {}) {
    super(config);
    this.depthRadius = config.depthRadius ?? 2;
    this.bias = config.bias ?? 2;
    this.alpha = config.alpha ?? 1e-4;
    this.beta = config.beta ?? 0.75;
    if (!Number.isInteger(this.depthRadius) || this.depthRadius < 0) {
      throw new LayerError(`${this.name}: depthRadius must be an integer ≥ 0, got ${this.depthRadius}`);
    }
  }

  computeOutputShape(inputShapes: readonly Shape[]): Shape {
    expectInputs(this, inputShapes);
    expectRank(this, inputShapes[0]!, 4, 'an NHWC image batch');
    return inputShapes[0]!;
  }

  call([x]: readonly tf.Tensor[]): tf.Tensor {
    return tf.localResponseNormalization(
      x as tf.Tensor4D,
      this.depthRadius,
      this.bias,
      this.alpha,
      this.beta,
    );
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      depthRadius: this.depthRadius,
      bias: this.bias,
      alpha: this.alpha,
      beta: this.beta,
    };
  }
}
