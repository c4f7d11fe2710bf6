import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { formatError } from '../../test/helpers';
import { CIFAR10_CLASSES, cifarArchive, parseCifar } from './cifar';
import { concatBytes } from './ndarray';
import { encodeTar } from './tar';

/** Channel `ch` of pixel (x, y) in record `seed`: a closed form the tests can recompute. */
const value = (seed: number, x: number, y: number, ch: number) =>
  (seed * 31 + x * 7 + y * 13 + ch * 101) % 256;

/** One record as the CIFAR page describes it: label byte(s), then 1024 R, 1024 G, 1024 B bytes, row-major. */
function record(labels: number[], seed: number): Uint8Array {
  const out = new Uint8Array(labels.length + 3072);
  out.set(labels);
  for (let ch = 0; ch < 3; ch++) {
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) out[labels.length + ch * 1024 + y * 32 + x] = value(seed, x, y, ch);
    }
  }
  return out;
}

const concat = (...parts: Uint8Array[]) => concatBytes(parts);

/** Every pixel of image `i` of `images` against the closed form of record `seed`. */
function expectPixels(images: Uint8Array | Float32Array, i: number, seed: number): void {
  let wrong = 0;
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      for (let ch = 0; ch < 3; ch++)
        if (images[((i * 32 + y) * 32 + x) * 3 + ch] !== value(seed, x, y, ch)) wrong++;
    }
  }
  expect(wrong).toBe(0);
}

describe('parseCifar', () => {
  it('turn CIFAR-10 planes into NHWC pixels, batches concatenated', () => {
    const bytes = concat(record([3], 1), record([9], 2));
    const set = parseCifar(bytes, { variant: 'cifar10' });
    expect(set.shape).toEqual([2, 32, 32, 3]);
    expect(set.labels).toEqual(Int32Array.of(3, 9));
    expect(set.classes).toEqual(CIFAR10_CLASSES);
    expect(set.classes[3]).toBe('cat');
    expectPixels(set.images, 0, 1);
    expectPixels(set.images, 1, 2);
    // Green of pixel (x=5, y=2) of image 1 came from byte 1 + 3073 + 1024 + 2*32 + 5 of the file.
    expect(set.images[((1 * 32 + 2) * 32 + 5) * 3 + 1]).toBe(bytes[1 + 3073 + 1024 + 2 * 32 + 5]);
  });

  it('read CIFAR-100 fine or coarse labels, with given or numbered class names', () => {
    const bytes = gzipSync(concat(record([4, 77], 5), record([19, 0], 6)));
    const fine = parseCifar(bytes, { variant: 'cifar100' });
    expect(fine.labels).toEqual(Int32Array.of(77, 0));
    expect(fine.classes).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    expectPixels(fine.images, 1, 6);
    const coarse = parseCifar(bytes, { variant: 'cifar100', label: 'coarse' });
    expect(coarse.labels).toEqual(Int32Array.of(4, 19));
    expect(coarse.classes.length).toBe(20);
    const named = Array.from({ length: 20 }, (_, i) => `super${i}`);
    expect(parseCifar(bytes, { variant: 'cifar100', label: 'coarse', classes: named }).classes).toBe(named);
  });

  it('refuse lengths, labels and options that do not fit, saying why', () => {
    expect(
      formatError(() => parseCifar(concat(record([1], 0), Uint8Array.of(1, 2)), { variant: 'cifar10' })),
    ).toMatch(
      /cifar: the input has 3075 bytes, not a whole number of 3073-byte records \(2 bytes left over\)/,
    );
    expect(formatError(() => parseCifar(record([1, 2], 0), { variant: 'cifar10' }))).toMatch(
      /3074 bytes, not a whole number of 3073-byte records \(1 bytes left over\)/,
    );
    expect(
      formatError(() => parseCifar(concat(record([1], 0), record([10], 0)), { variant: 'cifar10' })),
    ).toMatch(/record 1 of the input has fine label 10, not a class index in \[0, 10\)/);
    expect(
      formatError(() => parseCifar(record([20, 1], 0), { variant: 'cifar100', label: 'coarse' })),
    ).toMatch(/record 0 of the input has coarse label 20/);
    expect(formatError(() => parseCifar(record([1], 0), { variant: 'cifar10', label: 'coarse' }))).toMatch(
      /no coarse labels/,
    );
    expect(formatError(() => parseCifar(record([1], 0), { variant: 'cifar10', classes: ['a'] }))).toMatch(
      /options.classes must name 10 fine classes, got 1/,
    );
    expect(formatError(() => parseCifar(record([1], 0), { variant: 'cifar1000' as 'cifar10' }))).toMatch(
      /variant must be 'cifar10' or 'cifar100', got cifar1000/,
    );
    expect(parseCifar(new Uint8Array(0), { variant: 'cifar10' }).shape).toEqual([0, 32, 32, 3]);
  });
});

const text = (s: string) => new TextEncoder().encode(s);

describe('cifarArchive', () => {
  const cifar10Members = [
    ...[1, 2, 3, 4, 5].map((k) => ({
      name: `cifar-10-batches-bin/data_batch_${k}.bin`,
      data: record([k - 1], 10 + k),
    })),
    { name: 'cifar-10-batches-bin/test_batch.bin', data: concat(record([8], 20), record([9], 21)) },
    { name: 'cifar-10-batches-bin/readme.html', data: text('<html>') },
  ];

  it('read CIFAR-10 train batches 1–5 in order and the test batch from a .tar.gz', () => {
    const meta = {
      name: 'cifar-10-batches-bin/batches.meta.txt',
      data: text(`${CIFAR10_CLASSES.join('\n')}\n\n`),
    };
    const { train, test } = cifarArchive(gzipSync(encodeTar([...cifar10Members, meta])), 'cifar10');
    expect(train.shape).toEqual([5, 32, 32, 3]);
    expect(train.labels).toEqual(Int32Array.of(0, 1, 2, 3, 4));
    for (let k = 0; k < 5; k++) expectPixels(train.images, k, 11 + k);
    expect(test.labels).toEqual(Int32Array.of(8, 9));
    expectPixels(test.images, 1, 21);
    expect(train.classes).toEqual(CIFAR10_CLASSES);
  });

  it('take class names from the archive, or the options, and accept ./ paths and plain tar', () => {
    const upper = CIFAR10_CLASSES.map((c) => c.toUpperCase());
    const meta = { name: 'cifar-10-batches-bin/batches.meta.txt', data: text(`${upper.join('\r\n')}\r\n`) };
    const dotted = [...cifar10Members, meta].map((m) => ({ ...m, name: `./${m.name}` }));
    expect(cifarArchive(encodeTar(dotted), 'cifar10').test.classes).toEqual(upper);
    const given = upper.map((c) => `${c}!`);
    expect(cifarArchive(encodeTar(dotted), 'cifar10', { classes: given }).train.classes).toBe(given);
  });

  it('read CIFAR-100 with fine or coarse label names from its name files', () => {
    const fine = Array.from({ length: 100 }, (_, i) => `fine${i}`);
    const coarse = Array.from({ length: 20 }, (_, i) => `coarse${i}`);
    const members = [
      {
        name: 'cifar-100-binary/train.bin',
        data: concat(record([3, 30], 1), record([4, 40], 2), record([5, 50], 3)),
      },
      { name: 'cifar-100-binary/test.bin', data: record([19, 99], 4) },
      { name: 'cifar-100-binary/fine_label_names.txt', data: text(fine.join('\n')) },
      { name: 'cifar-100-binary/coarse_label_names.txt', data: text(coarse.join('\n')) },
    ];
    const archive = gzipSync(encodeTar(members));
    const byFine = cifarArchive(archive, 'cifar100');
    expect(byFine.train.labels).toEqual(Int32Array.of(30, 40, 50));
    expect(byFine.test.classes[byFine.test.labels[0]!]).toBe('fine99');
    expectPixels(byFine.train.images, 2, 3);
    const byCoarse = cifarArchive(archive, 'cifar100', { label: 'coarse' });
    expect(byCoarse.train.classes[byCoarse.train.labels[1]!]).toBe('coarse4');
    const bare = cifarArchive(encodeTar(members.slice(0, 2)), 'cifar100');
    expect(bare.test.classes[99]).toBe('99');
  });

  it('list the members expected when some are missing, and name bad members', () => {
    const without = cifar10Members.filter(
      (m) => !m.name.endsWith('data_batch_3.bin') && !m.name.endsWith('test_batch.bin'),
    );
    expect(formatError(() => cifarArchive(encodeTar(without), 'cifar10'))).toMatch(
      /the archive lacks cifar-10-batches-bin\/data_batch_3.bin, cifar-10-batches-bin\/test_batch.bin; a cifar10 archive holds cifar-10-batches-bin\/data_batch_1.bin, .*cifar-10-batches-bin\/test_batch.bin \(found 5 files\)/,
    );
    expect(formatError(() => cifarArchive(encodeTar(cifar10Members), 'cifar100'))).toMatch(
      /lacks cifar-100-binary\/train.bin, cifar-100-binary\/test.bin/,
    );
    const short = cifar10Members.map((m) =>
      m.name.endsWith('_2.bin') ? { ...m, data: m.data.subarray(0, 3000) } : m,
    );
    expect(formatError(() => cifarArchive(encodeTar(short), 'cifar10'))).toMatch(
      /cifar-10-batches-bin\/data_batch_2.bin has 3000 bytes, not a whole number of 3073-byte records/,
    );
    const badMeta = [
      ...cifar10Members,
      { name: 'cifar-10-batches-bin/batches.meta.txt', data: text('cat\ndog\n') },
    ];
    expect(formatError(() => cifarArchive(encodeTar(badMeta), 'cifar10'))).toMatch(
      /cifar-10-batches-bin\/batches.meta.txt must name 10 fine classes, got 2/,
    );
  });
});
