import { MAC_ROMAN, WINDOWS_1252, type CodePage } from './legacy-code-pages.js';

const NON_ASCII_RUN = /[^\u0000-\u007F]+/g;
/** A repair that yields C1 controls, replacement or private-use characters was not a real repair. */
const IMPLAUSIBLE = /[\u0080-\u009F\uFFFD\uE000-\uF8FF]/;
/** Share of non-ASCII runs that must repair before a code page is believed to be the cause. */
const MIN_REPAIRED_SHARE = 0.5;

export interface MojibakeRepair {
  text: string;
  /** Runs of characters replaced; 0 when the text was left as it was. */
  repaired: number;
  /** The code page the text had been mis-read as, when repaired. */
  codePage: string | undefined;
}

/**
 * Strict UTF-8 decoding of a short byte run (no overlongs, surrogates or values past U+10FFFF), written
 * out because a TextDecoder call per run is far too slow for files with a million short runs.
 */
function decodeUtf8(bytes: readonly number[]): string | undefined {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i] ?? 0;
    const [length, min] = lead >= 0xf0 && lead <= 0xf4 ? [4, 0x10000] : lead >= 0xe0 && lead <= 0xef ? [3, 0x800] : lead >= 0xc2 && lead <= 0xdf ? [2, 0x80] : [0, 0];
    if (length === 0 || i + length > bytes.length) return undefined;
    let code = lead & (0xff >> (length + 1));
    for (let k = 1; k < length; k += 1) {
      const next = bytes[i + k] ?? 0;
      if ((next & 0xc0) !== 0x80) return undefined;
      code = (code << 6) | (next & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
    out += String.fromCodePoint(code);
    i += length;
  }
  return out;
}

/** The run re-read as the UTF-8 it was, or undefined when it is not mojibake in `page`. */
function repairRun(run: string, page: CodePage): string | undefined {
  // One character is one byte, and a lone byte ≥ 0x80 is never UTF-8.
  if (run.length < 2) return undefined;
  const bytes: number[] = [];
  for (const char of run) {
    const byte = page.byteOf.get(char);
    if (byte === undefined) return undefined;
    bytes.push(byte);
  }
  const decoded = decodeUtf8(bytes);
  return decoded === undefined || IMPLAUSIBLE.test(decoded) ? undefined : decoded;
}

function repairWith(text: string, page: CodePage): { text: string; repaired: number; runs: number } {
  let repaired = 0;
  let runs = 0;
  const out = text.replace(NON_ASCII_RUN, (run) => {
    runs += 1;
    const fixed = repairRun(run, page);
    if (fixed === undefined) return run;
    repaired += 1;
    return fixed;
  });
  return { text: out, repaired, runs };
}

/**
 * Undoes UTF-8 that was decoded as Mac Roman or Windows-1252 ("üöÄ" → "🚀", "Ã©" → "é"). Each run of
 * non-ASCII characters is turned back into bytes and must decode as strict UTF-8; the page is used only
 * when at least half of the runs repair that way, so ordinary accented text ("Größe", "“Äpfel”") is left
 * alone. Applied at most twice, for text that was mis-decoded twice. Never throws.
 */
export function repairMojibake(text: string): MojibakeRepair {
  let current = text;
  let total = 0;
  let codePage: string | undefined;
  for (let pass = 0; pass < 2; pass += 1) {
    const attempts = [MAC_ROMAN, WINDOWS_1252].map((page) => ({ page, ...repairWith(current, page) }));
    const best = attempts.reduce((a, b) => (b.repaired > a.repaired ? b : a));
    if (best.repaired === 0 || best.repaired / best.runs < MIN_REPAIRED_SHARE) break;
    current = best.text;
    total += best.repaired;
    codePage ??= best.page.name;
  }
  return { text: current, repaired: total, codePage };
}
