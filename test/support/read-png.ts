import { inflateSync } from 'node:zlib';
import { crc32 } from '../../src/format/png/encode-png.js';

/** A PNG taken apart: every chunk's CRC checked, IHDR read, IDAT inflated and its rows unfiltered (type 0 only). */
export interface ReadPng {
  width: number;
  height: number;
  /** IHDR's bit depth and colour type, e.g. 8 and 2 (RGB). */
  bitDepth: number;
  colorType: number;
  /** The chunk types in order. */
  chunks: string[];
  /** The inflated IDAT data, filter bytes included. */
  raw: Buffer;
  /** RGB, rows top to bottom. */
  pixels: Uint8Array;
}

/** Reads the 8-bit RGB, non-interlaced PNGs flightdeck writes; throws on anything else or on a bad CRC. */
export function readPng(bytes: Buffer): ReadPng {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (!bytes.subarray(0, 8).equals(signature)) throw new Error('not a PNG: wrong signature');
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let header: Buffer | undefined;
  for (let at = 8; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (bytes.readUInt32BE(at + 8 + length) !== crc32(bytes.subarray(at + 4, at + 8 + length))) throw new Error(`bad CRC on ${type}`);
    chunks.push(type);
    if (type === 'IHDR') header = data;
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  if (!header) throw new Error('no IHDR');
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  const [bitDepth, colorType, , , interlace] = header.subarray(8);
  if (bitDepth !== 8 || colorType !== 2 || interlace !== 0) throw new Error(`unsupported PNG: depth ${bitDepth}, colour type ${colorType}, interlace ${interlace}`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 3;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height && (stride + 1) * (y + 1) <= raw.length; y++) {
    if (raw[y * (stride + 1)] !== 0) throw new Error(`row ${y} uses filter ${raw[y * (stride + 1)]}, not 0`);
    pixels.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { width, height, bitDepth, colorType, chunks, raw, pixels };
}

/** A bar as drawn: its columns, its top and bottom rows, and how many of its pixels are of each colour asked for. */
export interface Bar {
  left: number;
  right: number;
  top: number;
  bottom: number;
  /** Pixels of the bar's first column per colour name. */
  rows: Record<string, number>;
}

/**
 * The bars of a chart: runs of adjacent columns holding any of `colors`, grouped by the rows they span,
 * ordered by their bottom row (the baseline: one per panel), then left to right. Pixels of those colours elsewhere (none in flightdeck's charts) would show up as bars too.
 */
export function barsIn(image: Pick<ReadPng, 'width' | 'height' | 'pixels'>, colors: Record<string, readonly [number, number, number]>): Bar[] {
  const colorAt = (x: number, y: number) => {
    const i = (y * image.width + x) * 3;
    return Object.entries(colors).find(([, [r, g, b]]) => image.pixels[i] === r && image.pixels[i + 1] === g && image.pixels[i + 2] === b)?.[0];
  };
  const bars: Bar[] = [];
  for (let x = 0; x < image.width; x++) {
    // One column may cross several panels: each vertical run of bar colours is its own bar.
    for (let y = 0; y < image.height; y++) {
      if (colorAt(x, y) === undefined) continue;
      const top = y;
      const rows: Record<string, number> = {};
      while (y < image.height && colorAt(x, y) !== undefined) {
        const name = colorAt(x, y)!;
        rows[name] = (rows[name] ?? 0) + 1;
        y += 1;
      }
      const bottom = y - 1;
      const open = bars.find((bar) => bar.right === x - 1 && bar.top === top && bar.bottom === bottom);
      if (open) open.right = x;
      else bars.push({ left: x, right: x, top, bottom, rows });
    }
  }
  return bars.sort((a, b) => a.bottom - b.bottom || a.left - b.left);
}
