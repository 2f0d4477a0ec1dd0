import type { Run } from './run-schema.js';

/**
 * Whether `after` could look different from `before` in the run's Slack message. The message is rendered from
 * the whole run except the fields below, which it never shows (test/unit/shows-change.test.ts renders both to
 * hold that true): a change of only those (the summary marked posted) leaves the message as it is, so it needs
 * no render and no Slack edit. Pure.
 */
export function showsChange(before: Run, after: Run): boolean {
  return JSON.stringify(shown(before)) !== JSON.stringify(shown(after));
}

function shown(run: Run): Omit<Run, 'seq' | 'updatedAt' | 'summaryPosted' | 'closingNotes'> {
  const { seq: _seq, updatedAt: _updatedAt, summaryPosted: _summaryPosted, closingNotes: _closingNotes, ...rest } = run;
  return rest;
}
