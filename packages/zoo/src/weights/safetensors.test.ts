import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WeightFormatError } from './errors';
import { loadSafetensors, WeightSourceError, writeSafetensors } from './files';
import { encodeSafetensors, parseSafetensors, type SafetensorsDtype, safeTensorValues } from './safetensors';

/** A file put together by hand, byte by byte as the format's spec lays it out: the reference for the writer. */
function handMade(header: object, data: Uint8Array, pad = 0): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const le = (n: number, bytes: number[]) => new Uint8Array(bytes.slice(0, n));

describe('parseSafetensors', () => {
  it('reads a file laid out by hand: offsets, little-endian values, metadata', () => {
    const data = new Uint8Array(4 * 2 + 2 * 3);
    const view = new DataView(data.buffer);
    view.setFloat32(0, 1.5, true);
    view.setFloat32(4, -2, true);
    [0x3c00, 0xc000, 0x3555].forEach((h, i) => {
      view.setUint16(8 + 2 * i, h, true);
    });
    const file = handMade(
      {
        __metadata__: { format: 'pt' },
        'fc.bias': { dtype: 'F16', shape: [3], data_offsets: [8, 14] },
        'fc.weight': { dtype: 'F32', shape: [1, 2], data_offsets: [0, 8] },
      },
      data,
      3,
    );
    const { tensors, metadata } = parseSafetensors(file);
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.keys()]).toEqual(['fc.bias', 'fc.weight']);
    expect(tensors.get('fc.weight')!.shape).toEqual([1, 2]);
    expect(Array.from(safeTensorValues(tensors.get('fc.weight')!))).toEqual([1.5, -2]);
    expect(Array.from(safeTensorValues(tensors.get('fc.bias')!))).toEqual([1, -2, 0.333251953125]);
  });

  it('round-trips every dtype bit for bit through the writer, aligned to 8 bytes', () => {
    const values = [0, 1, -2, 3.25, -0.5, 100];
    const dtypes: SafetensorsDtype[] = [
      'F64',
      'F32',
      'F16',
      'BF16',
      'I64',
      'I32',
      'I16',
      'I8',
      'U64',
      'U32',
      'U16',
      'U8',
      'BOOL',
    ];
    const input = Object.fromEntries(
      dtypes.map((dtype) => [
        `t.${dtype}`,
        {
          dtype,
          shape: [2, 3],
          values:
            dtype.startsWith('U') || dtype === 'BOOL' ? values.map((v) => Math.abs(Math.round(v))) : values,
        },
      ]),
    );
    const file = encodeSafetensors(input, { format: 'pt' });
    const headerLength = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const { tensors } = parseSafetensors(file);
    for (const dtype of dtypes) {
      const t = tensors.get(`t.${dtype}`)!;
      expect(t.dtype).toBe(dtype);
      expect(t.shape).toEqual([2, 3]);
      const expected = input[`t.${dtype}`]!.values.map((v) =>
        dtype === 'BOOL'
          ? Number(v !== 0)
          : dtype.startsWith('I') || dtype.startsWith('U')
            ? Math.trunc(v) || 0
            : v,
      );
      expect(Array.from(safeTensorValues(t)), dtype).toEqual(expected);
    }
    // F32 bytes are the float32 bits themselves.
    const f32 = tensors.get('t.F32')!.bytes;
    expect(Array.from(f32.subarray(12, 16))).toEqual(
      Array.from(new Uint8Array(Float32Array.of(3.25).buffer)),
    );
  });

  it('keeps float32 values bit for bit, NaN payloads and negative zero included', () => {
    const bits = Uint32Array.of(0x7fc00001, 0x80000000, 0x00000001, 0x7f7fffff, 0xff800000, 0x3eaaaaab);
    const values = new Float32Array(bits.buffer);
    const file = encodeSafetensors({ x: { shape: [6], values } });
    const back = new Uint32Array(safeTensorValues(parseSafetensors(file).tensors.get('x')!).buffer);
    expect(Array.from(back).map((b) => b.toString(16))).toEqual(Array.from(bits).map((b) => b.toString(16)));
  });

  it('reads an empty file and zero-sized tensors', () => {
    expect(parseSafetensors(encodeSafetensors({})).tensors.size).toBe(0);
    const t = parseSafetensors(encodeSafetensors({ e: { shape: [0, 4], values: [] } })).tensors.get('e')!;
    expect(t.shape).toEqual([0, 4]);
    expect(safeTensorValues(t).length).toBe(0);
  });

  it('refuses what breaks the format with a WeightFormatError that says what', () => {
    const ok = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
    const cases: [Uint8Array, RegExp][] = [
      [le(5, [1, 2, 3, 4, 5]), /at least 8 bytes, got 5/],
      [handMade({ a: ok }, new Uint8Array(4)), /its data ends at byte 8, the file holds 4/],
      [
        handMade({ a: { ...ok, shape: [3] } }, new Uint8Array(8)),
        /F32 \[3\] takes 12 bytes, its offsets \[0, 8\] span 8/,
      ],
      [handMade({ a: { ...ok, dtype: 'F8_E4M3' } }, new Uint8Array(8)), /dtype "F8_E4M3" is not one of/],
      [handMade({ a: { ...ok, data_offsets: [8, 0] } }, new Uint8Array(8)), /0 ≤ begin ≤ end/],
      [
        handMade({ a: ok, b: ok }, new Uint8Array(8)),
        /tensor b starts at byte 0, expected 8: a gap or an overlap/,
      ],
      [handMade({ a: ok }, new Uint8Array(12)), /end at byte 8 of the data but the file holds 12/],
      [handMade([1, 2] as unknown as object, new Uint8Array(0)), /must be a JSON object/],
      [handMade({ __metadata__: { n: 1 } }, new Uint8Array(0)), /__metadata__.n must be text/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => parseSafetensors(bytes)).toThrow(WeightFormatError);
      expect(() => parseSafetensors(bytes)).toThrow(message);
    }
    const lying = handMade({ a: ok }, new Uint8Array(8));
    new DataView(lying.buffer).setBigUint64(0, 2n ** 62n, true);
    expect(() => parseSafetensors(lying)).toThrow(/header length field says 4611686018427387904 bytes/);
  });
});

describe('safetensors files', () => {
  it('write a file that loads back from its path and file URL; a missing one names itself', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cnn-zoo-st-'));
    try {
      const path = join(dir, 'tiny.safetensors');
      const values = Float32Array.of(0.1, -0.2, 0.3, 1e-30, -1e30, 7);
      await writeSafetensors(path, { 'fc.weight': { shape: [2, 3], values } }, { format: 'pt' });
      for (const location of [path, pathToFileURL(path).href]) {
        const { tensors, metadata } = await loadSafetensors(location);
        expect(metadata).toEqual({ format: 'pt' });
        expect(Array.from(safeTensorValues(tensors.get('fc.weight')!))).toEqual(Array.from(values));
      }
      await expect(loadSafetensors(join(dir, 'none.safetensors'))).rejects.toThrow(WeightSourceError);
      await expect(loadSafetensors(join(dir, 'none.safetensors'))).rejects.toThrow(/none\.safetensors/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
