import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, encodePng } from '../../src/format/png/encode-png.js';
import { textWidth } from '../../src/format/png/pixel-font.js';
import { Raster } from '../../src/format/png/raster.js';
import { readPng } from '../support/read-png.js';

describe('crc32', () => {
  it.each([
    ['', 0x00000000],
    // The check value of CRC-32/ISO-HDLC, the CRC of PNG and zlib.
    ['123456789', 0xcbf43926],
    ['The quick brown fox jumps over the lazy dog', 0x414fa339],
    // The CRC every PNG's IEND chunk ends with.
    ['IEND', 0xae426082],
  ])('of %j is %s', (text, expected) => {
    expect(crc32(Buffer.from(text, 'latin1'))).toBe(expected);
  });
});

describe('encodePng', () => {
  const image = (width: number, height: number) => {
    const pixels = new Uint8Array(width * height * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 256;
    return { width, height, pixels };
  };

  it('writes the signature, IHDR for 8-bit RGB, one IDAT and IEND, each with its CRC', () => {
    const png = encodePng(image(3, 2));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // IHDR: length 13, then width 3, height 2, depth 8, colour type 2, compression, filter and interlace 0.
    expect(png.readUInt32BE(8)).toBe(13);
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20), ...png.subarray(24, 29)]).toEqual([3, 2, 8, 2, 0, 0, 0]);
    expect(png.readUInt32BE(29)).toBe(crc32(png.subarray(12, 29)));
    expect(png.subarray(-12).toString('hex')).toBe('0000000049454e44ae426082');
    expect(readPng(png).chunks).toEqual(['IHDR', 'IDAT', 'IEND']);
  });

  it('stores every row behind filter byte 0, so the IDAT inflates to (3 × width + 1) × height bytes of the same pixels', () => {
    const source = image(7, 5);
    const png = encodePng(source);
    const start = png.indexOf('IDAT') + 4;
    const raw = inflateSync(png.subarray(start, start + png.readUInt32BE(start - 8)));
    expect(raw.length).toBe((3 * 7 + 1) * 5);
    expect([0, 1, 2, 3, 4].map((row) => raw[row * 22])).toEqual([0, 0, 0, 0, 0]);
    expect(readPng(png).pixels).toEqual(source.pixels);
  });

  it('refuses pixels that do not fill the size', () => {
    expect(() => encodePng({ width: 2, height: 2, pixels: new Uint8Array(11) })).toThrow(RangeError);
    expect(() => encodePng({ width: 0, height: 1, pixels: new Uint8Array(0) })).toThrow(RangeError);
  });
});

describe('Raster', () => {
  it('fills rectangles clipped to the image and draws text in the pixel font', () => {
    const raster = new Raster(20, 10, [255, 255, 255]);
    raster.fillRect(-5, 8, 10, 5, [1, 2, 3]);
    const at = (x: number, y: number) => [...raster.pixels.subarray((y * 20 + x) * 3, (y * 20 + x) * 3 + 3)];
    expect([at(0, 8), at(4, 9), at(5, 9), at(0, 7)]).toEqual([[1, 2, 3], [1, 2, 3], [255, 255, 255], [255, 255, 255]]);
    raster.drawText(0, 0, '1', [0, 0, 0]);
    // '1': the middle column is ink from top to bottom, the bottom row three wide.
    expect([0, 1, 2, 3, 4, 5, 6].map((y) => at(2, y)[0])).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect([0, 1, 2, 3, 4].map((x) => at(x, 6)[0])).toEqual([255, 0, 0, 0, 255]);
    expect(textWidth('ab', 2)).toBe(22);
  });
});
