import { stripEmoji } from './strip-emoji.js';

/** Private markers for text set aside while emphasis is stripped; control characters never reach here otherwise. */
const MARK_OPEN = '\u0001';
const MARK_CLOSE = '\u0002';
const MARKED = /\u0001(\d+)\u0002/g;

/** Titles are at most 300 characters; this leaves room for the markup around them, such as link targets. */
export const MAX_INLINE_LENGTH = 2000;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ndash: '–', mdash: '—', hellip: '…' };

function decodeEntity(whole: string, body: string): string {
  if (body.startsWith('#')) {
    const code = body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
    // Controls and surrogates would undo the cleaning done at decode time; leave such references as written.
    const printable = code >= 0x20 && code <= 0x10ffff && !(code >= 0x7f && code <= 0x9f) && !(code >= 0xd800 && code <= 0xdfff);
    return printable ? String.fromCodePoint(code) : whole;
  }
  return ENTITIES[body] ?? whole;
}

/**
 * Turns one line of inline Markdown into the plain words a person reads: links and images become their
 * text, emphasis, strike-through and HTML tags go, code spans keep their content without backticks,
 * escapes and common entities are resolved, fill-in blanks (`_____`) and emoji are dropped, and
 * whitespace is collapsed. A trailing colon is dropped too, since the result is used as a title.
 * Only the first {@link MAX_INLINE_LENGTH} characters are read, which bounds the work per call.
 */
export function cleanInlineMarkdown(text: string): string {
  const kept: string[] = [];
  const keep = (value: string) => `${MARK_OPEN}${kept.push(value) - 1}${MARK_CLOSE}`;
  let out = text.slice(0, MAX_INLINE_LENGTH).replace(/[\u0001\u0002]/g, '');
  out = out.replace(/(?<!`)(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g, (_whole, _ticks: string, code: string) => keep(code.trim()));
  out = out.replace(/\\([!-/:-@[-`{-~])/g, (_whole, char: string) => keep(char));
  out = out
    .replace(/!\[([^[\]]*)\]\([^()]*\)/g, '$1')
    .replace(/\[([^[\]]*)\]\([^()]*\)/g, '$1')
    .replace(/\[([^[\]]+)\]\[[^[\]]*\]/g, '$1')
    .replace(/<((?:https?|ftp|mailto):[^<>\s]+)>/gi, '$1')
    .replace(/<([^<>\s@]+@[^<>\s@]+\.[^<>\s@]+)>/g, '$1')
    .replace(/<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>/g, ' ');
  out = out.replace(/(^|\s)_{3,}(?=\s|$)/g, '$1');
  for (let pass = 0; pass < 3; pass += 1) {
    out = out
      .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
      .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1')
      .replace(/\*([^\s*](?:[^*]*[^\s*])?)\*/g, '$1')
      .replace(/(^|[^\p{L}\p{N}_])_([^\s_](?:[^_]*[^\s_])?)_(?![\p{L}\p{N}_])/gu, '$1$2');
  }
  out = out.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-z]{2,6});/g, decodeEntity);
  out = out.replace(MARKED, (_whole, index: string) => kept[Number(index)] ?? '');
  return stripEmoji(out)
    .replace(/\s*:+$/, '')
    .trim();
}
