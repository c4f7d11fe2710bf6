import { describe, expect, it } from 'vitest';
import { fitLine, toSvg } from './linear_regression';
import { trainXor } from './xor';

describe('the XOR example (seeds 002–003)', () => {
  it('a perceptron stays at or below 75% on XOR; one hidden layer gets all four right', async () => {
    const linear = await trainXor(0, { epochs: 300 });
    expect(linear.accuracy).toBeLessThanOrEqual(0.75);
    const mlp = await trainXor(4, { epochs: 600 });
    expect(mlp.accuracy).toBe(1);
    expect(mlp.probabilities[0]).toBeLessThan(0.5);
    expect(mlp.probabilities[1]).toBeGreaterThan(0.5);
  });
});

describe('the linear-regression example (seed 002)', () => {
  it('gradient descent reaches the least-squares line computed in closed form', async () => {
    const fit = await fitLine();
    expect(fit.descent.w).toBeCloseTo(fit.exact.w, 3);
    expect(fit.descent.b).toBeCloseTo(fit.exact.b, 3);
    expect(Math.abs(fit.exact.w - 2)).toBeLessThan(0.2); // the noise is small
    expect(toSvg(fit)).toMatch(/^<svg[\s\S]*<line[\s\S]*<line[\s\S]*<\/svg>$/);
  });
});
