import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { importMarkdownChecklist } from '../../src/checklist/import-markdown.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';

/** mulberry32: small, fast and seeded, so a failure names the input that caused it. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REFERENCE = readFileSync(fileURLToPath(new URL('../fixtures/markdown/001-production-deployment.md', import.meta.url)));

const FRAGMENTS = [
  '# Title',
  '## 🚀 Phase',
  '###### deep',
  '#',
  '## ',
  'Setext',
  '===',
  '---',
  '- [ ] item',
  '- [x] done **bold** _it_ `code` [link](http://x)',
  '* [ ] star',
  '+ [X] plus',
  '1. [ ] numbered',
  '- [ ]',
  '- [ ] ',
  '  - [ ] nested',
  '        - [ ] deeper',
  '\t- [ ] tabbed',
  '- plain bullet',
  '- [ ] **Technical Lead**: approves',
  '- [ ] Security sign-off',
  '- [ ] approved by …',
  '- [ ] approved by ',
  '**Sign-offs:**',
  '**Day 1:**',
  '## Approvals',
  '```',
  '~~~',
  '````js',
  '    indented code - [ ] x',
  '| a | b |',
  '|---|---|',
  'a | b',
  '> - [ ] quoted',
  '<!-- - [ ] hidden',
  '-->',
  '<!-- x --> - [ ] after comment',
  '- [ ] {{version}} {{nope}} {{{x}}} {{}} {{ }}',
  '- [ ] &amp; &#0; &#x110000; &#55296; &bogus;',
  '- [ ] \\* \\_ \\` ** __ ~~ ` _ *',
  '- [ ] üöÄ ‚úÖ Ã© â€™ ðŸš€',
  '- [ ] 👩‍👩‍👧‍👦 🇫🇷 1️⃣ ©️ ™',
  '- [ ] 中文 检查 العربية',
  '- [ ] \u202E\u200B\uFEFF\u00AD',
  '\u0000',
  '\u0001\u0002',
  '\uD800',
  '\uDFFF\uD83D',
  '---\ntitle: x\n---',
  `- [ ] ${'_'.repeat(50)}`,
  `- [ ] ${'*'.repeat(61)}`,
  `- [ ] ${'[('.repeat(40)}`,
  `- [ ] ${'<a '.repeat(40)}`,
];

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)] as T;
}

function randomBytes(random: () => number, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
}

function randomUnicode(random: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) {
    const roll = random();
    const code = roll < 0.5 ? 32 + Math.floor(random() * 95) : roll < 0.8 ? Math.floor(random() * 0x3000) : Math.floor(random() * 0x10ffff);
    out += code >= 0xd800 && code <= 0xdfff && random() < 0.5 ? '\n' : String.fromCodePoint(code);
  }
  return out;
}

function randomMarkdown(random: () => number): string {
  const lines: string[] = [];
  const count = Math.floor(random() * 60);
  for (let i = 0; i < count; i += 1) {
    let line = pick(random, FRAGMENTS);
    if (random() < 0.2) line = ' '.repeat(Math.floor(random() * 12)) + line;
    if (random() < 0.1) line += randomUnicode(random, Math.floor(random() * 30));
    lines.push(line);
  }
  return lines.join(random() < 0.1 ? '\r\n' : '\n');
}

/** Each kind of input the importer must survive, weighted towards the Markdown-shaped ones. */
function generate(random: () => number, index: number): Buffer | string {
  switch (index % 8) {
    case 0:
      return randomBytes(random, Math.floor(random() * 3000));
    case 1:
      return randomUnicode(random, Math.floor(random() * 2000));
    case 2:
    case 3:
      return randomMarkdown(random);
    case 4: {
      const text = randomMarkdown(random);
      const encoding = pick(random, ['utf16le', 'latin1', 'utf8'] as const);
      const bom = pick(random, [[], [0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff]]);
      return Buffer.concat([Buffer.from(bom), Buffer.from(text, encoding)]);
    }
    case 5: {
      const copy = Buffer.from(REFERENCE);
      for (let n = Math.floor(random() * 40); n > 0; n -= 1) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
      const start = Math.floor(random() * copy.length);
      return copy.subarray(start, start + Math.floor(random() * copy.length));
    }
    case 6: {
      const depth = Math.floor(random() * 400);
      return Array.from({ length: depth }, (_, d) => `${' '.repeat(d % 2 === 0 ? d : d * 2)}${pick(random, ['- [ ]', '-', '1.', '* [x]'])} level ${d}`).join('\n');
    }
    default: {
      const unit = pick(random, ['*', '_', '`', '[', '](', '<', '#', '- [ ] ', '{{', 'a', '🚀', 'üöÄ', '\\']);
      const size = Math.floor(random() * 30_000);
      return `# H\n- [ ] ${unit.repeat(Math.ceil(size / unit.length))}\n- [ ] ${randomUnicode(random, 300)}`;
    }
  }
}

describe('importMarkdownChecklist on generated input', () => {
  it('either returns schema-valid YAML or throws a FlightdeckError, for 3000 random and adversarial inputs', () => {
    const random = createRandom(0x5eed);
    const outcomes = { imported: 0, refused: 0 };
    for (let index = 0; index < 3000; index += 1) {
      const input = generate(random, index);
      let result: ReturnType<typeof importMarkdownChecklist> | undefined;
      try {
        result = importMarkdownChecklist(input, { name: 'generated' });
      } catch (err) {
        if (!(err instanceof FlightdeckError) || !['checklist-invalid', 'usage'].includes(err.code) || err.message.length === 0) {
          throw new Error(`input #${index} threw ${String(err)}`, { cause: err });
        }
        outcomes.refused += 1;
        continue;
      }
      const parsed = checklistSchema.safeParse(parse(result.yaml));
      if (!parsed.success) throw new Error(`input #${index} gave invalid YAML: ${parsed.error.message}\n${result.yaml}`);
      expect(result.warnings.every((warning) => typeof warning === 'string')).toBe(true);
      outcomes.imported += 1;
    }
    // Both paths must have been exercised, or the generators have stopped producing what they claim to.
    expect(outcomes.imported).toBeGreaterThan(500);
    expect(outcomes.refused).toBeGreaterThan(500);
  });
});
