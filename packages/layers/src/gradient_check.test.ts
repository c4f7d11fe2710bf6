import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gradientCheck } from './gradient_check';
import { expectInputs, Layer } from './layer';
import { Dense } from './layers/dense';
import { StochasticDepth } from './layers/drop_path';
import { input, Model } from './model';
import type { Shape } from './shape';

/** y = tanh(x W): a layer with a weight, defined here so the check is tested apart from the layer set. */
class TanhDense extends Layer {
  readonly className = 'TanhDense';
  w!: tf.Variable;
  constructor(readonly units: number) {
    super();
  }
  computeOutputShape(shapes: readonly Shape[]): Shape {
    expectInputs(this, shapes);
    return [null, this.units];
  }
  protected override build(shapes: readonly Shape[], rng: Rng): void {
    this.w = this.addWeight('kernel', [shapes[0]![1] as number, this.units], 'glorotUniform', rng);
  }
  call([x]: readonly tf.Tensor[]): tf.Tensor {
    return tf.tanh(tf.matMul(x as tf.Tensor2D, this.w as tf.Tensor2D));
  }
}

describe('gradientCheck', () => {
  it('agrees with tfjs gradients of a correct layer, inputs and weights alike', () => {
    const layer = new TanhDense(3);
    const x = tf.randomNormal([4, 5], 0, 1, 'float32', 1);
    const first = gradientCheck(layer, [x], { samples: 8 }); // builds the layer's weight
    const before = tf.memory().numTensors;
    const result = gradientCheck(layer, [x], { samples: 8, seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(first.maxRelativeError).toBeLessThan(1e-2);
    expect(result.entries.map((e) => e.name)).toEqual(['input 0', `${layer.name}/kernel`]);
    expect(result.maxRelativeError).toBeLessThan(1e-2);
    layer.dispose();
    x.dispose();
  });

  it('catches a wrong gradient', () => {
    // d/dx of x³ registered as 2x² instead of 3x²: off by a third everywhere.
    const cube = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
      save([x]);
      return {
        value: tf.pow(x, 3),
        gradFunc: (dy: tf.Tensor, [s]: tf.Tensor[]) => tf.mul(dy, tf.mul(2, tf.square(s!))),
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    const x = tf.tensor1d([0.5, 1, 1.5, -2]);
    const result = gradientCheck(([v]) => cube(v!) as tf.Tensor, [x]);
    expect(result.maxRelativeError).toBeGreaterThan(0.3);
    x.dispose();
  });
});

describe('gradientCheck on a model with a dropped branch', () => {
  it('checks a weight the step never reached as having zero gradient, instead of failing', () => {
    const x = input({ shape: [3] });
    const branch = new TanhDense(3);
    // Survival 0: in training the residual branch is always dropped, so its kernel gets no gradient.
    const y = new Dense({ units: 2 }).apply(
      new StochasticDepth({ survivalProbability: 0 }).apply([x, branch.apply(x)]),
    );
    const net = new Model({ inputs: x, outputs: y, seed: 1 });
    const data = tf.randomNormal([4, 3], 0, 1, 'float32', 3);
    const result = gradientCheck(net, [data], { call: { training: true, rng: new Rng(2) } });
    const entry = result.entries.find((e) => e.name === `${branch.name}/kernel`);
    expect(entry?.relativeError).toBe(0); // analytic 0, and moving the weight changes nothing
    expect(result.maxRelativeError).toBeLessThan(1e-2);
    net.dispose();
    data.dispose();
  });
});
