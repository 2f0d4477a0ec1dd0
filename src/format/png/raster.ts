import type { RgbImage } from './encode-png.js';
import { GLYPH_WIDTH, glyphOf } from './pixel-font.js';

/** An RGB colour, each channel 0–255. */
export type Rgb = readonly [number, number, number];

/** A drawing surface for flat charts: rectangles and pixel-font text, clipped to the image. */
export class Raster implements RgbImage {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb,
  ) {
    this.pixels = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  /** Fills `w`×`h` pixels from (x, y), the top-left corner; whatever falls outside the image is dropped. */
  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let py = y0; py < y1; py++) {
      for (let px = x0; px < x1; px++) this.pixels.set(color, (py * this.width + px) * 3);
    }
  }

  /** Draws `text` in the pixel font with its top-left corner at (x, y), each font pixel `scale`×`scale`. */
  drawText(x: number, y: number, text: string, color: Rgb, scale = 1): void {
    [...text].forEach((char, i) => {
      const left = x + i * (GLYPH_WIDTH + 1) * scale;
      glyphOf(char).forEach((row, gy) => {
        row.forEach((ink, gx) => {
          if (ink) this.fillRect(left + gx * scale, y + gy * scale, scale, scale, color);
        });
      });
    });
  }
}
