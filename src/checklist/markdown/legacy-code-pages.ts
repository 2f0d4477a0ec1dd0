/**
 * The upper halves (bytes 0x80–0xFF) of the two single-byte code pages that UTF-8 text is most often
 * mis-read as. Written out rather than taken from TextDecoder: Node's `windows-1252` decoder is really
 * Latin-1, and builds without full ICU have no `macintosh` decoder at all.
 */
const MAC_ROMAN_HIGH =
  'ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø¿¡¬√ƒ≈∆«»…\u00A0ÀÃÕŒœ–—“”‘’÷◊ÿŸ⁄€‹›ﬁﬂ‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔ\uF8FFÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ';

/** 0x80–0x9F differ from Latin-1; the five bytes Windows-1252 leaves undefined keep their C1 code points. */
const WINDOWS_1252_C1 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';

function latin1Upper(): string {
  return Array.from({ length: 0x60 }, (_, i) => String.fromCharCode(0xa0 + i)).join('');
}

/** A single-byte code page: what each high byte decodes to, and the way back. */
export interface CodePage {
  name: string;
  /** Character for byte `0x80 + index`. */
  high: readonly string[];
  /** Byte for a character, for characters ≥ U+0080 only. */
  byteOf: ReadonlyMap<string, number>;
}

function codePage(name: string, high: string, aliases: Record<string, number> = {}): CodePage {
  const chars = [...high];
  if (chars.length !== 128) throw new Error(`${name} table has ${chars.length} entries, expected 128`);
  const byteOf = new Map<string, number>(chars.map((char, index) => [char, 0x80 + index]));
  for (const [char, byte] of Object.entries(aliases)) byteOf.set(char, byte);
  return { name, high: chars, byteOf };
}

/** Mac OS Roman; 0xDB was ¤ before Mac OS 8.5 and € after, so both map back to it. */
export const MAC_ROMAN = codePage('Mac Roman', MAC_ROMAN_HIGH, { '¤': 0xdb });

export const WINDOWS_1252 = codePage('Windows-1252', WINDOWS_1252_C1 + latin1Upper());

/** Decodes bytes in a single-byte code page; never fails, since every byte has a character. */
export function decodeCodePage(bytes: Uint8Array, page: CodePage): string {
  let out = '';
  for (const byte of bytes) out += byte < 0x80 ? String.fromCharCode(byte) : page.high[byte - 0x80];
  return out;
}
