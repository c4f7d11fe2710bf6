import { gzipSync } from 'fflate';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { CATALOG } from './catalog';
import { encodeIdx } from './formats/idx';
import { encodeMat } from './formats/mat';
import { encodeTar } from './formats/tar';
import { cifar10, fashionMnist, lfwPeople, mnist, olivettiFaces } from './named';

// The loaders read local copies given in `files`, so these tests need no network; the download path
// (cache, checksum, resume) is tested in source.test.ts with a real HTTP server.

const idx = (n: number, seed: number) => ({
  images: gzipSync(
    encodeIdx({
      dtype: 'uint8',
      shape: [n, 28, 28],
      data: new Uint8Array(n * 784).map((_, i) => (i * seed) % 256),
    }),
  ),
  labels: gzipSync(
    encodeIdx({ dtype: 'uint8', shape: [n], data: Uint8Array.from({ length: n }, (_, i) => i % 10) }),
  ),
});

describe('named sets', () => {
  it('lists canonical https sources with well-formed SHA-256 sums and their terms', () => {
    for (const [name, entry] of Object.entries(CATALOG)) {
      expect(entry.license.length, name).toBeGreaterThan(10);
      for (const file of Object.values(entry.files)) {
        expect(file.url).toMatch(/^https:\/\//);
        expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
      }
    }
  });

  it('mnist and fashionMnist read IDX files into train and test sets', async () => {
    const train = idx(12, 3);
    const test = idx(5, 7);
    const files = {
      trainImages: train.images,
      trainLabels: train.labels,
      testImages: test.images,
      testLabels: test.labels,
    };
    const digits = await mnist({ files });
    expect(digits.train.shape).toEqual([12, 28, 28, 1]);
    expect(digits.test.shape).toEqual([5, 28, 28, 1]);
    expect(digits.test.images[100]).toBe((100 * 7) % 256);
    expect([...digits.train.labels.subarray(0, 3)]).toEqual([0, 1, 2]);
    const clothes = await fashionMnist({ files });
    expect(clothes.train.classes[9]).toBe('Ankle boot');
  });

  it('cifar10 reads the archive as distributed', async () => {
    const batch = (n: number, label: number) => {
      const bytes = new Uint8Array(n * 3073).map((_, i) => i % 251);
      for (let r = 0; r < n; r++) bytes[r * 3073] = label;
      return bytes;
    };
    const dir = 'cifar-10-batches-bin';
    const archive = gzipSync(
      encodeTar([
        ...[1, 2, 3, 4, 5].map((k) => ({ name: `${dir}/data_batch_${k}.bin`, data: batch(2, k) })),
        { name: `${dir}/test_batch.bin`, data: batch(3, 9) },
      ]),
    );
    const { train, test } = await cifar10({ files: { archive } });
    expect(train.shape).toEqual([10, 32, 32, 3]);
    expect(test.shape).toEqual([3, 32, 32, 3]);
    expect(train.classes[train.labels[9]!]).toBe('dog'); // batch 5's label
    expect(test.classes[test.labels[0]!]).toBe('truck');
  });

  it('olivettiFaces turns the column-major 4096×400 matrix into upright 64×64 faces in [0, 1]', async () => {
    const n = 20; // two people of ten
    const faces = new Float64Array(4096 * n);
    // Face i, pixel (row r, column c) = 1000 + 10·i + r, stored at MATLAB index (c·64 + r, i); C order here.
    for (let i = 0; i < n; i++)
      for (let r = 0; r < 64; r++)
        for (let c = 0; c < 64; c++) faces[(c * 64 + r) * n + i] = 1000 + 10 * i + r;
    const mat = encodeMat({ faces: { dtype: 'float64', shape: [4096, n], data: faces } }, { compress: true });
    const set = await olivettiFaces({ files: { mat } });
    expect(set.shape).toEqual([n, 64, 64, 1]);
    expect(set.classes).toEqual(['s1', 's2']);
    expect(set.labels[9]).toBe(0);
    expect(set.labels[10]).toBe(1);
    const max = 1000 + 10 * (n - 1) + 63;
    const at = (i: number, r: number, c: number) => set.images[i * 4096 + r * 64 + c]!;
    expect(at(0, 0, 5)).toBeCloseTo(0, 6);
    expect(at(3, 7, 40)).toBeCloseTo((30 + 7) / (max - 1000), 6); // varies down rows, not across columns
    expect(at(n - 1, 63, 0)).toBeCloseTo(1, 6);
  });

  it('lfwPeople keeps people with enough faces, crops the face window and names the classes', async () => {
    const face = (shade: number) => {
      const rgba = new Uint8Array(250 * 250 * 4).fill(shade);
      for (let y = 70; y < 195; y++) for (let x = 78; x < 172; x++) rgba[(y * 250 + x) * 4] = 255 - shade;
      return new Uint8Array(jpeg.encode({ data: rgba, width: 250, height: 250 }, 90).data);
    };
    const people = { Ada_Lovelace: 3, Alan_Turing: 2, Grace_Hopper: 1 };
    const entries = Object.entries(people).flatMap(([name, count]) =>
      Array.from({ length: count }, (_, k) => ({
        name: `lfw_funneled/${name}/${name}_${String(k + 1).padStart(4, '0')}.jpg`,
        data: face(40 + 20 * k),
      })),
    );
    const funneled = gzipSync(encodeTar(entries));
    const set = await lfwPeople({ files: { funneled }, minFacesPerPerson: 2, color: true });
    expect(set.classes).toEqual(['Ada_Lovelace', 'Alan_Turing']);
    expect(set.shape).toEqual([5, 62, 47, 3]);
    // Inside the window red is 255 − shade; green is the shade (JPEG is lossy: a tolerance).
    expect(Math.abs(set.images[(31 * 47 + 23) * 3]! - (255 - 40))).toBeLessThan(12);
    expect(Math.abs(set.images[(31 * 47 + 23) * 3 + 1]! - 40)).toBeLessThan(12);
  });
});
