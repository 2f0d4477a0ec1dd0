import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, fenceLog, inlineCode } from '../../src/format/escape-mrkdwn.js';

/** What Slack would read as a mention, a link, a date or a command: `<` followed by anything up to `>`. */
const SLACK_MARKUP = /<[^>]*>/;

describe('escapeMrkdwn', () => {
  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<!here|here> <!everyone>', '&lt;!here|here&gt; &lt;!everyone&gt;'],
    ['<https://evil.example|Approve>', '&lt;https://evil.example|Approve&gt;'],
    ['<@U0ADMIN> approved', '&lt;@U0ADMIN&gt; approved'],
    ['<#C0PROD> <!subteam^S0SEC>', '&lt;#C0PROD&gt; &lt;!subteam^S0SEC&gt;'],
    ['<!date^1700000000^{date}|x>', '&lt;!date^1700000000^{date}|x&gt;'],
    ['a & b && c', 'a &amp; b &amp;&amp; c'],
    ['&lt;!channel&gt; typed escaped', '&lt;!channel&gt; typed escaped'],
    ['&amp;lt;', '&amp;lt;'],
    ['&#60;!channel&#62;', '&amp;#60;!channel&amp;#62;'],
    ['1 < 2 > 0', '1 &lt; 2 &gt; 0'],
    ['*bold* _it_ ~s~ `code`', '*bold* _it_ ~s~ `code`'],
  ])('%j → %j', (input, expected) => {
    expect(escapeMrkdwn(input)).toBe(expected);
    expect(escapeMrkdwn(input)).not.toMatch(SLACK_MARKUP);
  });

  it('is idempotent, so text escaped in parts and again as a whole is escaped once', () => {
    const inputs = ['<!channel> & <https://x|Approve>', '&&&<<>>', 'x &amp y', '&lt&gt;'];
    for (const input of inputs) expect(escapeMrkdwn(escapeMrkdwn(input))).toBe(escapeMrkdwn(input));
  });
});

describe('fenceLog', () => {
  it('keeps a log line holding ``` inside the block', () => {
    const fenced = fenceLog(['step 1 ok', '```', '<!channel> click <https://x|Approve>', '````still```inside']);
    expect(fenced.startsWith('```\n')).toBe(true);
    expect(fenced.endsWith('\n```')).toBe(true);
    const inner = fenced.slice(4, -4);
    expect(inner).not.toContain('``');
    expect(inner).not.toMatch(SLACK_MARKUP);
    expect(inner.split('\n')[2]).toBe('&lt;!channel&gt; click &lt;https://x|Approve&gt;');
    // The fence is exactly two runs of three backticks: the opening and the closing one.
    expect(fenced.match(/```/g)).toHaveLength(2);
  });

  it('fences an empty log and a log of backticks only', () => {
    expect(fenceLog([])).toBe('```\n\n```');
    expect(fenceLog(['``````']).match(/```/g)).toHaveLength(2);
  });
});

describe('inlineCode', () => {
  it('cannot be closed early by the text it holds', () => {
    expect(inlineCode('a`b <!here>')).toBe('`aˋb &lt;!here&gt;`');
  });
});
