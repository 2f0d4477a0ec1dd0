import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The run core and store hold what happened as data; Slack's words, mentions and emoji are put around it
 * in src/slack/views and the error catalogue. This holds that line for every file under src/run, so a
 * mention written into a stored reason or a refusal fails here rather than in a PagerDuty summary.
 */

const ROOT = join(import.meta.dirname, '../..');
const RUN_DIR = join(ROOT, 'src/run');

const MARKUP: readonly [string, RegExp][] = [
  ['a user mention (<@…>)', /<@/],
  ['a channel mention (<#…>)', /<#/],
  ['a special mention (<!…>)', /<!/],
  ['a mrkdwn link (<http…>)', /<https?:/],
  ['an emoji shortcode (:name:)', /(?<![\w$}]):[a-z0-9_+-]+:(?![\w$])/],
  ['an import of the mrkdwn escaper', /escape-mrkdwn/],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every `file:line: what` under src/run that holds Slack markup. */
function markupIn(files: readonly string[]): string[] {
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, index) => MARKUP.filter(([, pattern]) => pattern.test(line)).map(([what]) => `${relative(ROOT, file)}:${index + 1}: ${what}`)),
  );
}

describe('src/run holds no Slack markup', () => {
  it('finds markup of each kind when it is there', () => {
    // Without this the test below could pass by finding nothing at all.
    const samples = [`'by <@\${id}>'`, '"see <#C1>"', "'<!channel>'", "'<https://x|y>'", "':white_check_mark: done'", "import { escapeMrkdwn } from '../../format/escape-mrkdwn.js';"];
    expect(samples.map((sample) => MARKUP.filter(([, pattern]) => pattern.test(sample)).length)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('leaves times, keys and ordinary colons alone', () => {
    const plain = [`'\${hh}:\${mm} UTC'`, `'\${base}lock:\${service}:\${environment}'`, "'guard: breached: rollback'", "'step.failed'"];
    expect(plain.filter((line) => MARKUP.some(([, pattern]) => pattern.test(line)))).toEqual([]);
  });

  it('has no mention, link, emoji or mrkdwn escaping in any file under src/run', () => {
    const files = sourceFiles(RUN_DIR);
    expect(files.length).toBeGreaterThan(10);
    expect(markupIn(files)).toEqual([]);
  });
});
