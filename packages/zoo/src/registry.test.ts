import { describe, expect, it } from 'vitest';
import { ZooError } from './common';
import { fromZoo, zoo } from './registry';

describe('zoo', () => {
  it('builds every entry by name (as graphs), each with its own name and one class-score output', () => {
    const names = Object.keys(zoo);
    expect(names).toHaveLength(12 + 5 + 30 + 6);
    for (const name of names) {
      const net = fromZoo(name, { build: false });
      expect(net.built, name).toBe(false);
      expect(net.outputs[0]!.shape.length, name).toBe(2);
    }
    expect(fromZoo('vgg16_bn', { build: false }).name).toBe('vgg_d_bn');
    expect(fromZoo('plain56', { build: false }).name).toBe('plain56');
    expect(fromZoo('resnet110_stochastic_depth', { build: false }).name).toBe('resnet110_stochastic_depth');
  });

  it('passes options through and names what it has for a name it has not', () => {
    expect(fromZoo('resnet20', { classes: 100, build: false }).outputs[0]!.shape).toEqual([null, 100]);
    expect(() => fromZoo('resnet19')).toThrow(ZooError);
    expect(() => fromZoo('resnet19')).toThrow(/no model 'resnet19'; it has vgg11, vgg11_bn/);
  });
});
