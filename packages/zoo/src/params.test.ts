import { summarize } from '@cnn/layers';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { googlenet, inceptionTable } from './googlenet';
import { fromZoo } from './registry';

/**
 * Exact parameter counts, counted from shapes with `build: false`: no weight is allocated (VGG-19 alone
 * would take 575 MB). PyTorch counts batch norm's γ and β as parameters and its running statistics as
 * buffers, so torchvision's figures are our trainable counts; the total adds the running mean and
 * variance, as Keras counts them.
 */
const reference: [name: string, trainable: number, source: string][] = [
  // The figures: torchvision.models.
  ['alexnet', 61_100_840, 'torchvision'],
  ['vgg11', 132_863_336, 'torchvision'],
  ['vgg13', 133_047_848, 'torchvision'],
  ['vgg16', 138_357_544, 'torchvision'],
  ['vgg19', 143_667_240, 'torchvision'],
  ['vgg16_bn', 138_365_992, 'torchvision'],
  ['resnet18', 11_689_512, 'torchvision'],
  ['resnet34', 21_797_672, 'torchvision'],
  ['resnet50', 25_557_032, 'torchvision'],
  ['resnet101', 44_549_160, 'torchvision'],
  ['resnet152', 60_192_808, 'torchvision'],
  ['mnist_cnn', 3_274_634, "the seeds' TF listing: 5·5·32+32 + 5·5·32·64+64 + 3136·1024+1024 + 1024·10+10"],
  // torchvision's other BN variants (vgg11_bn, vgg13_bn, vgg19_bn).
  ['vgg11_bn', 132_868_840, 'torchvision'],
  ['vgg13_bn', 133_053_736, 'torchvision'],
  ['vgg19_bn', 143_678_248, 'torchvision'],
  // Caffe's bvlc_alexnet, the paper's two towers.
  ['alexnet_paper', 60_965_224, "Caffe's bvlc_alexnet"],
  // He et al. Table 6: 0.27M, 0.46M, 0.66M, 0.85M, 1.7M; exact as PyTorch option-A implementations count them.
  ['resnet20', 269_722, 'He et al. Table 6 (0.27M)'],
  ['resnet32', 464_154, 'He et al. Table 6 (0.46M)'],
  ['resnet44', 658_586, 'He et al. Table 6 (0.66M)'],
  ['resnet56', 853_018, 'He et al. Table 6 (0.85M)'],
  ['resnet110', 1_727_962, 'He et al. Table 6 (1.7M)'],
  // Keras' cifar10_cnn.py summary.
  ['cifar_cnn', 1_250_858, "Keras' cifar10_cnn.py"],
  // LeNet-5 with a full C3, as d2l and most re-implementations build it.
  ['lenet5', 61_706, '156 + 2,416 + 48,120 + 10,164 + 850'],
  // Springenberg et al. Table 3: ≈ 1.4 M.
  ['all_cnn_c', 1_369_738, 'Springenberg et al. Table 3 (1.4M)'],
  // Silver et al. Methods, k = 192: 5·5·48·192+192 + 11·(3·3·192·192+192) + 192 + 361.
  ['alphago_policy', 3_882_793, 'Silver et al. 2016, Methods'],
  ['xor_mlp', 12, '2·2+2 + 2·2+2'],
];

describe('parameter counts', () => {
  it.each(reference)('%s has %i trainable parameters (%s), with nothing allocated', (name, trainable) => {
    const before = tf.memory();
    const net = fromZoo(name, { build: false });
    const summary = summarize(net);
    expect(summary.trainableParams).toBe(trainable);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    expect(tf.memory().numTensors).toBe(before.numTensors);
  });

  it('adds BN running statistics to the total: VGG-16-BN 13 conv layers of 4,224 channels in all', () => {
    const s = summarize(fromZoo('vgg16_bn', { build: false }));
    expect(s.params - s.trainableParams).toBe(2 * (2 * 64 + 2 * 128 + 3 * 256 + 6 * 512));
    // Stochastic depth and plain nets: the same weights, minus the projections for plain.
    const sd = summarize(fromZoo('resnet110_stochastic_depth', { build: false }));
    expect(sd.trainableParams).toBe(1_727_962);
    expect(summarize(fromZoo('plain110', { build: false })).trainableParams).toBe(1_727_962); // option A: no weights
  });

  it("GoogLeNet's count is Table 1's modules summed by hand (kernels and biases, stem, classifier)", () => {
    // The paper's own params column (weights only, in K) is loose: it is within 1% of these modules'
    // kernels for 3a, 3b, 4a, 4b, 4e but off by 7% for 4c and 5% for 5a, so it is no reference.
    const net = googlenet({ build: false });
    // The whole count by hand from the table: each module's kernels and biases, plus stem and classifier.
    let channels = 192;
    let total = 7 * 7 * 3 * 64 + 64 + 64 * 64 + 64 + 3 * 3 * 64 * 192 + 192;
    for (const r of inceptionTable) {
      if (r === 'maxpool') continue;
      const c = channels;
      total += c * r.b1 + r.b1 + c * r.b3[0] + r.b3[0] + 9 * r.b3[0] * r.b3[1] + r.b3[1];
      total += c * r.b5[0] + r.b5[0] + 25 * r.b5[0] * r.b5[1] + r.b5[1] + c * r.pool + r.pool;
      channels = r.b1 + r.b3[1] + r.b5[1] + r.pool;
    }
    total += channels * 1000 + 1000;
    expect(channels).toBe(1024);
    expect(net.countParams()).toBe(total);
    expect(total).toBe(6_998_552);
    // Each auxiliary head: 1×1 conv 128 on 512 or 528 channels, fc 4·4·128 → 1024, fc 1024 → 1000.
    const aux = (c: number) => c * 128 + 128 + 2048 * 1024 + 1024 + 1024 * 1000 + 1000;
    expect(googlenet({ build: false, auxHeads: true }).countParams()).toBe(total + aux(512) + aux(528));
  });

  it('ZFNet and FractalNet match counts made by hand from their tables', () => {
    // ZFNet (wide: 512-1024-512): convs, then 6·6·512 → 4096 → 4096 → 1000.
    const conv = (k: number, cin: number, cout: number) => k * k * cin * cout + cout;
    const zf = (c3: number, c4: number, c5: number) =>
      conv(7, 3, 96) +
      conv(5, 96, 256) +
      conv(3, 256, c3) +
      conv(3, c3, c4) +
      conv(3, c4, c5) +
      (36 * c5 * 4096 + 4096) +
      (4096 * 4096 + 4096) +
      (4096 * 1000 + 1000);
    expect(fromZoo('zfnet', { build: false }).countParams()).toBe(zf(512, 1024, 512));
    expect(fromZoo('zfnet', { build: false, wide: false }).countParams()).toBe(zf(384, 384, 256));
    // FractalNet B = 5, C = 3: per block, C units read the block's input and 2^C − 1 − C the block's
    // width; each unit a bias-free 3×3 conv and a BN (γ, β trainable); then fc 512 → 10.
    const widths = [64, 128, 256, 512, 512];
    let cin = 3;
    let trainable = 0;
    for (const w of widths) {
      trainable += 3 * (9 * cin * w + 2 * w) + 4 * (9 * w * w + 2 * w);
      cin = w;
    }
    trainable += 512 * 10 + 10;
    expect(summarize(fromZoo('fractalnet', { build: false })).trainableParams).toBe(trainable);
  });
});
