import { FlightdeckError } from '../../errors/flightdeck-error.js';
import { decodeCodePage, WINDOWS_1252 } from './legacy-code-pages.js';
import { repairMojibake } from './repair-mojibake.js';

/** Larger files are refused before any parsing, so the work per import stays bounded. */
export const MAX_MARKDOWN_BYTES = 5 * 1024 * 1024;

/** Above this share of control or replacement characters, the input is binary, not text. */
const MAX_JUNK_SHARE = 0.02;
/** A stray control character or two in a short note is noise to strip, not a sign of binary data. */
const MIN_JUNK = 4;

/** C0 controls other than tab, newline, carriage return and form feed; DEL; C1; bidi overrides; BOMs and noncharacters. */
const JUNK = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF\uFFFD\uFFFE\uFFFF]/g;
/** Half of a surrogate pair without its other half; only a string argument can hold one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const BINARY_MARKERS = /[\u0000-\u0008\u000E-\u001A\u001C-\u001F\uFFFD]/g;

export interface DecodedMarkdown {
  /** NFC text with `\n` line ends, free of control characters. */
  text: string;
  warnings: string[];
}

function invalid(message: string, remedy: string): FlightdeckError {
  return new FlightdeckError('checklist-invalid', message, { remedy });
}

type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** The encoding from a byte order mark, or from the NUL pattern UTF-16 leaves in mostly-ASCII text. */
function sniffEncoding(bytes: Uint8Array, warnings: string[]): { encoding: Encoding; skip: number } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe && bytes[2] === 0 && bytes[3] === 0) {
    throw invalid('the file is UTF-32, which import-checklist does not read', 'save it as UTF-8 and import it again');
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', skip: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', skip: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', skip: 2 };
  const sample = bytes.subarray(0, 4096 - (Math.min(bytes.length, 4096) % 2));
  if (sample.length >= 4) {
    let evenNul = 0;
    let oddNul = 0;
    for (let i = 0; i < sample.length; i += 1) {
      if (sample[i] !== 0) continue;
      if (i % 2 === 0) evenNul += 1;
      else oddNul += 1;
    }
    const pairs = sample.length / 2;
    for (const [encoding, zeros, others] of [
      ['utf-16le', oddNul, evenNul],
      ['utf-16be', evenNul, oddNul],
    ] as const) {
      if (zeros / pairs > 0.4 && others / pairs < 0.02) {
        warnings.push(`no byte order mark; read as ${encoding.toUpperCase()} from its layout`);
        return { encoding, skip: 0 };
      }
    }
  }
  return { encoding: 'utf-8', skip: 0 };
}

function decodeBytes(bytes: Uint8Array, warnings: string[]): string {
  if (bytes.length > MAX_MARKDOWN_BYTES) {
    throw invalid(
      `the file is ${(bytes.length / 1024 / 1024).toFixed(1)} MB; import-checklist reads at most ${MAX_MARKDOWN_BYTES / 1024 / 1024} MB`,
      'split the Markdown into smaller checklists',
    );
  }
  const { encoding, skip } = sniffEncoding(bytes, warnings);
  const body = bytes.subarray(skip);
  if (encoding !== 'utf-8') return new TextDecoder(encoding).decode(body);
  if (body.includes(0)) {
    throw invalid('the file contains NUL bytes, so it is binary data, not Markdown text', 'pass a Markdown (.md) file saved as UTF-8');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    warnings.push('the file is not valid UTF-8; read it as Windows-1252');
    return decodeCodePage(body, WINDOWS_1252);
  }
}

/**
 * Turns raw file content into clean text: UTF-8 (with or without BOM) or UTF-16 LE/BE (BOM, or the NUL
 * pattern of ASCII-heavy UTF-16); anything else that is not UTF-8 is read as Windows-1252. UTF-8 that was
 * mis-read as Mac Roman or Windows-1252 is repaired, control characters are removed, line ends become
 * `\n`, and the text is NFC-normalised. Each change that alters the wording is reported in `warnings`.
 *
 * @throws FlightdeckError `checklist-invalid` for input over {@link MAX_MARKDOWN_BYTES}, UTF-32, and binary
 *   data (any NUL, or more than 2% control or undecodable characters).
 */
export function decodeMarkdownText(input: Uint8Array | string): DecodedMarkdown {
  const warnings: string[] = [];
  let text: string;
  if (typeof input === 'string') {
    // A UTF-16 code unit is at least one byte, so this bound only lets through strings that may still be too big.
    if (input.length > MAX_MARKDOWN_BYTES) decodeBytes(Buffer.from(input, 'utf8'), warnings);
    text = input.replace(LONE_SURROGATE, '\uFFFD').replace(/^\uFEFF/, '');
  } else {
    text = decodeBytes(input, warnings);
  }

  const markers = text.match(BINARY_MARKERS)?.length ?? 0;
  if (text.includes('\u0000') || (markers >= MIN_JUNK && markers / text.length > MAX_JUNK_SHARE)) {
    throw invalid(
      `the input is binary data, not Markdown text (${markers} control or undecodable characters in ${text.length})`,
      'pass a Markdown (.md) file saved as UTF-8 or UTF-16',
    );
  }

  const repair = repairMojibake(text);
  if (repair.repaired > 0) {
    warnings.push(`repaired ${repair.repaired} run(s) of UTF-8 text that had been mis-read as ${repair.codePage ?? 'a legacy code page'}`);
    text = repair.text;
  }
  text = text.replace(/\r\n?/g, '\n');
  let removed = 0;
  text = text.replace(JUNK, () => {
    removed += 1;
    return '';
  });
  if (removed > 0) warnings.push(`removed ${removed} control character(s)`);
  return { text: text.normalize('NFC'), warnings };
}
