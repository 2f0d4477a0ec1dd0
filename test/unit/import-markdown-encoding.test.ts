import { describe, expect, it } from 'vitest';
import { importAndParse, importError, titlesOf } from './import-markdown-support.js';

const SAMPLE = '# Release ✅\n\n## Checks 🔧\n- [ ] Coverage ≥ 80% 🚀\n- [ ] Café “ready”\n';
const EXPECTED = ['Coverage ≥ 80%', 'Café “ready”'];

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1] ?? 0, le[i] ?? 0];
  return le;
}

describe('importMarkdownChecklist decoding', () => {
  it('reads UTF-8 with and without a BOM, and CRLF line ends', () => {
    for (const input of [Buffer.from(SAMPLE), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SAMPLE)]), SAMPLE.replace(/\n/g, '\r\n')]) {
      const { checklist, warnings } = importAndParse(input);
      expect(titlesOf(checklist)).toEqual(EXPECTED);
      expect(checklist.phases.map((phase) => phase.title)).toEqual(['Checks']);
      expect(checklist.description).toBe('Release');
      expect(warnings).toEqual([]);
    }
  });

  it('reads UTF-16 LE and BE with a BOM, and ASCII-heavy UTF-16 LE without one', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SAMPLE, 'utf16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(SAMPLE)]);
    expect(titlesOf(importAndParse(le).checklist)).toEqual(EXPECTED);
    expect(titlesOf(importAndParse(be).checklist)).toEqual(EXPECTED);
    const bare = importAndParse(Buffer.from(SAMPLE, 'utf16le'));
    expect(titlesOf(bare.checklist)).toEqual(EXPECTED);
    expect(bare.warnings).toEqual(['no byte order mark; read as UTF-16LE from its layout']);
  });

  it('repairs UTF-8 that was read as Windows-1252 or Mac Roman, emoji included', () => {
    const cp1252 = importAndParse('## ðŸš€ DÃ©ploiement\n- [ ] Base de donnÃ©es sauvegardÃ©e â€” OK âœ…\n');
    expect(cp1252.checklist.phases[0]).toMatchObject({ id: 'deploiement', title: 'Déploiement' });
    expect(titlesOf(cp1252.checklist)).toEqual(['Base de données sauvegardée — OK']);
    expect(cp1252.warnings).toEqual([expect.stringMatching(/mis-read as Windows-1252/)]);
    const macRoman = importAndParse('## \uF8FFüöÄ Rollout\n- [ ] Error rate ‚â§ 1% ‚ö†Ô∏è\n');
    expect(titlesOf(macRoman.checklist)).toEqual(['Error rate ≤ 1%']);
    expect(macRoman.checklist.phases[0]?.title).toBe('Rollout');
  });

  it('leaves correct accented text alone', () => {
    const { checklist, warnings } = importAndParse('- [ ] Größe prüfen „Äpfel“ “Äpfel” à côté\n');
    expect(titlesOf(checklist)).toEqual(['Größe prüfen „Äpfel“ “Äpfel” à côté']);
    expect(warnings).toEqual([]);
  });

  it('reads bytes that are not UTF-8 as Windows-1252 and says so', () => {
    const { checklist, warnings } = importAndParse(Buffer.from([...Buffer.from('- [ ] Caf'), 0xe9, ...Buffer.from(' ready '), 0x93, 0x78, 0x94]));
    expect(titlesOf(checklist)).toEqual(['Café ready “x”']);
    expect(warnings).toEqual(['the file is not valid UTF-8; read it as Windows-1252']);
  });

  it('strips control characters, bidi overrides and lone surrogates', () => {
    const { checklist, warnings } = importAndParse('- [ ] Ba\u0007ck\u202Eup \uD800done\u0085\n');
    expect(titlesOf(checklist)).toEqual(['Backup done']);
    expect(warnings).toEqual(['removed 4 control character(s)']);
  });

  it('refuses binary data, UTF-32 and files over 5 MB with a clear error', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0xff, 0x00, 0x13]);
    expect(importError(png).message).toMatch(/NUL bytes, so it is binary data/);
    const controls = Buffer.from(Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? 0x01 : 0x41)));
    expect(importError(controls).message).toMatch(/binary data, not Markdown text \(134 control/);
    expect(importError('- [ ] ok\u0000').message).toMatch(/binary data/);
    expect(importError(Buffer.from([0xff, 0xfe, 0, 0, 0x41, 0, 0, 0])).message).toMatch(/UTF-32/);
    const huge = importError(Buffer.alloc(5 * 1024 * 1024 + 1, 0x61));
    expect(huge.code).toBe('checklist-invalid');
    expect(huge.message).toMatch(/reads at most 5 MB/);
    expect(importError('a'.repeat(5 * 1024 * 1024 + 1)).message).toMatch(/reads at most 5 MB/);
  });

  it('handles a large file with very long lines in bounded time and cuts the lines', () => {
    const line = `- [ ] ${'**x** '.repeat(20_000)}`;
    const { checklist, warnings } = importAndParse(`# Big\n${line}\n${'#'.repeat(50_000)}\n${'*'.repeat(100_000)}\n- [ ] ok\n`);
    expect(titlesOf(checklist)[1]).toBe('ok');
    expect(warnings).toEqual(expect.arrayContaining([expect.stringMatching(/longer than 4000 characters were cut/)]));
  });
});
