import { describe, expect, it } from 'vitest';
import { wordRunReason } from '../../src/format/word-run-reason.js';
import { rollbackRequestJobSchema } from '../../src/queue/engine/job-schemas.js';
import { plainRunReason, runReasonSchema, type RunReason } from '../../src/run/core/run-reason.js';
import { threadNoteSchema } from '../../src/run/core/thread-note.js';

describe('a run reason', () => {
  // Each row: the reason as stored, as Slack shows it, as the audit stream and PagerDuty show it.
  const rows: [RunReason, string, string][] = [
    ['check "Smoke" failed after 3 tries: 502', 'check "Smoke" failed after 3 tries: 502', 'check "Smoke" failed after 3 tries: 502'],
    [{ kind: 'aborted', by: 'U5' }, 'aborted by <@U5>', 'aborted by U5'],
    [{ kind: 'aborted', by: 'U5', text: 'ask <!channel> & me' }, 'aborted by <@U5>: ask &lt;!channel&gt; &amp; me', 'aborted by U5: ask <!channel> & me'],
    [{ kind: 'rollback-requested', by: 'U3' }, 'rollback requested by <@U3>', 'rollback requested by U3'],
    [{ kind: 'undoes', runId: '7', cause: { kind: 'aborted', by: 'U5' } }, 'run #7 aborted by <@U5>', 'run #7 aborted by U5'],
  ];
  it.each(rows)('%j reads as %j in Slack and %j elsewhere', (reason, slack, plain) => {
    expect(runReasonSchema.parse(reason)).toEqual(reason);
    expect(wordRunReason(reason)).toBe(slack);
    expect(plainRunReason(reason)).toBe(plain);
  });

  it('reads what an older flightdeck stored or queued: a reason worded as mrkdwn, shown as it was', () => {
    const older = 'aborted by <@U5>: wrong version';
    expect(runReasonSchema.parse(older)).toBe(older);
    expect(wordRunReason(older)).toBe(older);
    expect(rollbackRequestJobSchema.parse({ runId: '7', reason: older })).toEqual({ runId: '7', reason: older });
    expect(threadNoteSchema.parse({ kind: 'run-ended', runId: '7', state: 'aborted', reason: older })).toMatchObject({ reason: older });
  });

  it('refuses a reason of a kind it does not know', () => {
    expect(runReasonSchema.safeParse({ kind: 'cancelled', by: 'U5' }).success).toBe(false);
    expect(runReasonSchema.safeParse({ kind: 'aborted' }).success).toBe(false);
  });
});
