import { expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Adam, type Optimizer, RMSprop, SGD } from './optimizers';

const w0 = [0.5, -1, 2];
const grads = [
  [0.1, -0.2, 0.3],
  [0.4, 0.0, -0.1],
  [-0.3, 0.2, 0.2],
];

/** Runs three steps of `optimizer` on w0 with the fixed gradients above; the final weights. */
async function run(optimizer: Optimizer): Promise<number[]> {
  const w = tf.variable(tf.tensor1d(w0));
  for (const g of grads) {
    const gradient = tf.tensor1d(g);
    optimizer.applyGradients(new Map([[w, gradient]]));
    gradient.dispose();
  }
  const out = [...w.dataSync()];
  optimizer.dispose();
  w.dispose();
  return out;
}

/** The same three steps in plain JS, per coordinate. */
function reference(update: (w: number, g: number, state: number[], t: number) => number): number[] {
  return w0.map((w, i) => {
    const state = [0, 0];
    let value = w;
    grads.forEach((g, t) => {
      value = update(value, g[i]!, state, t + 1);
    });
    return value;
  });
}

describe('optimizers', () => {
  it('SGD, momentum and Nesterov step as their formulas say', async () => {
    const lr = 0.1;
    expect(await run(new SGD({ learningRate: lr }))).toEqual(
      reference((w, g) => w - lr * g).map((v) => expect.closeTo(v, 6)),
    );
    const momentum = (nesterov: boolean) =>
      reference((w, g, s) => {
        s[0] = 0.9 * s[0]! - lr * g;
        return w + (nesterov ? 0.9 * s[0]! - lr * g : s[0]!);
      });
    expect(await run(new SGD({ learningRate: lr, momentum: 0.9 }))).toEqual(
      momentum(false).map((v) => expect.closeTo(v, 6)),
    );
    expect(await run(new SGD({ learningRate: lr, momentum: 0.9, nesterov: true }))).toEqual(
      momentum(true).map((v) => expect.closeTo(v, 6)),
    );
  });

  it("SGD's torch momentum form: the Keras form's steps at a constant η, rescaled at once when η changes", async () => {
    const lr = 0.1;
    const torch = (nesterov: boolean) =>
      reference((w, g, s) => {
        s[0] = 0.9 * s[0]! + g;
        return w - lr * (nesterov ? g + 0.9 * s[0]! : s[0]!);
      });
    for (const nesterov of [false, true]) {
      expect(
        await run(new SGD({ learningRate: lr, momentum: 0.9, nesterov, momentumForm: 'torch' })),
      ).toEqual(torch(nesterov).map((v) => expect.closeTo(v, 6)));
    }
    // η → η/10 after the first step: torch's b ← μb + g, w ← w − ηb against Keras' v ← μv − ηg, w ← w + v.
    const rates = [0.1, 0.01, 0.01];
    const dropped = async (momentumForm: 'keras' | 'torch') => {
      const sgd = new SGD({ learningRate: rates[0]!, momentum: 0.9, momentumForm });
      const w = tf.variable(tf.tensor1d(w0));
      grads.forEach((g, t) => {
        sgd.learningRate = rates[t]!;
        tf.tidy(() => sgd.applyGradients(new Map([[w, tf.tensor1d(g)]])));
      });
      const out = [...w.dataSync()];
      sgd.dispose();
      w.dispose();
      return out;
    };
    const byFormula = (form: 'keras' | 'torch') =>
      w0.map((w, i) => {
        let [value, state] = [w, 0];
        grads.forEach((g, t) => {
          state = form === 'torch' ? 0.9 * state + g[i]! : 0.9 * state - rates[t]! * g[i]!;
          value = form === 'torch' ? value - rates[t]! * state : value + state;
        });
        return value;
      });
    const [torchForm, kerasForm] = [byFormula('torch'), byFormula('keras')];
    const kerasRun = await dropped('keras');
    expect(await dropped('torch')).toEqual(torchForm.map((v) => expect.closeTo(v, 6)));
    expect(kerasRun).toEqual(kerasForm.map((v) => expect.closeTo(v, 6)));
    // After the drop the Keras form still carries 0.9 · 0.1 · g₁ of the first step: the two part by far more than rounding.
    const gap = kerasRun.map((v, i) => Math.abs(v - (torchForm[i] ?? 0)));
    expect(Math.max(...gap)).toBeGreaterThan(0.01);
    expect(() => new SGD({ learningRate: lr, momentumForm: 'pytorch' as 'torch' })).toThrow(/momentumForm/);
  });

  it('RMSprop and Adam step as their formulas say', async () => {
    const rms = reference((w, g, s) => {
      s[0] = 0.9 * s[0]! + 0.1 * g * g;
      return w - (0.01 * g) / (Math.sqrt(s[0]!) + 1e-7);
    });
    expect(await run(new RMSprop({ learningRate: 0.01 }))).toEqual(rms.map((v) => expect.closeTo(v, 5)));
    const adam = reference((w, g, s, t) => {
      s[0] = 0.9 * s[0]! + 0.1 * g;
      s[1] = 0.999 * s[1]! + 0.001 * g * g;
      const mHat = s[0]! / (1 - 0.9 ** t);
      const vHat = s[1]! / (1 - 0.999 ** t);
      return w - (0.01 * mHat) / (Math.sqrt(vHat) + 1e-7 * Math.sqrt(1 - 0.999 ** t));
    });
    expect(await run(new Adam({ learningRate: 0.01 }))).toEqual(adam.map((v) => expect.closeTo(v, 5)));
  });

  it('clips by global norm and by value, and decays weights', async () => {
    // One step with gradient (3, 4): norm 5, clipped to norm 1 → (0.6, 0.8).
    const w = tf.variable(tf.tensor1d([1, 1]));
    const g = tf.tensor1d([3, 4]);
    const sgd = new SGD({ learningRate: 1, clipNorm: 1 });
    sgd.applyGradients(new Map([[w, g]]));
    expect([...w.dataSync()].map((v) => Number(v.toFixed(6)))).toEqual([0.4, 0.2]);
    const byValue = new SGD({ learningRate: 1, clipValue: 0.5, weightDecay: 0.1 });
    byValue.applyGradients(new Map([[w, g]])); // w − 0.5 − 0.1·w
    expect([...w.dataSync()].map((v) => Number(v.toFixed(6)))).toEqual(
      [0.4 - 0.5 - 0.04, 0.2 - 0.5 - 0.02].map((v) => Number(v.toFixed(6))),
    );
    tf.dispose([w, g]);
  });

  it('keeps its state in place: repeated steps leave no tensors behind', async () => {
    const w = tf.variable(tf.tensor1d(w0));
    const adam = new Adam({ learningRate: 0.01, clipNorm: 1 });
    const g = tf.tensor1d([0.1, 0.2, 0.3]);
    adam.applyGradients(new Map([[w, g]])); // creates the moment estimates
    await expectNoLeaks(() => {
      for (let i = 0; i < 5; i++) adam.applyGradients(new Map([[w, g]]));
    }, 'Adam steps');
    adam.dispose();
    tf.dispose([w, g]);
  });

  it('refuses a learning rate that is not positive', () => {
    expect(() => new Adam({ learningRate: 0 })).toThrow(/learningRate must be a positive number, got 0/);
  });
});
