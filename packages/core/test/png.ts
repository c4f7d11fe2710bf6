// A minimal PNG writer for tests: it makes the variants fast-png's encoder does not (palettes with
// transparency, 1/2/4-bit grey) straight from the specification, so the decoder is checked against files
// built independently of it.
import { crc32, deflateSync } from 'node:zlib';

export interface RawPng {
  width: number;
  height: number;
  depth: 1 | 2 | 4 | 8 | 16;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colorType: 0 | 2 | 3 | 4 | 6;
  /** Samples row by row (indices for a palette), each row packed to `depth` bits. */
  samples: number[][];
  palette?: [number, number, number][];
  alpha?: number[];
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function packRow(samples: number[], depth: number): Uint8Array {
  if (depth === 16) return new Uint8Array(samples.flatMap((s) => [s >> 8, s & 0xff]));
  const out = new Uint8Array(Math.ceil((samples.length * depth) / 8));
  samples.forEach((s, i) => {
    const bit = i * depth;
    out[bit >> 3]! |= s << (8 - depth - (bit & 7));
  });
  return out;
}

export function writePng(png: RawPng): Uint8Array {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, png.width);
  view.setUint32(4, png.height);
  header.set([png.depth, png.colorType, 0, 0, 0], 8);
  const rows = png.samples.map((row) => [0, ...packRow(row, png.depth)]); // filter type 0 on every row
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    ...(png.palette ? [chunk('PLTE', new Uint8Array(png.palette.flat()))] : []),
    ...(png.alpha ? [chunk('tRNS', new Uint8Array(png.alpha))] : []),
    chunk('IDAT', deflateSync(new Uint8Array(rows.flat()))),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
