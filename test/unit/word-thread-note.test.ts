import { describe, expect, it } from 'vitest';
import { threadJobSchema } from '../../src/queue/engine/job-schemas.js';
import type { ThreadNote } from '../../src/run/core/thread-note.js';
import { wordThreadNote } from '../../src/slack/views/word-thread-note.js';

const T = Date.UTC(2026, 11, 5, 14, 3);

describe('thread notes are worded by the Slack views', () => {
  it.each<[ThreadNote, string]>([
    [{ kind: 'phase-completed', phaseTitle: 'Approvals', followUp: false }, ':white_check_mark: Phase *Approvals* completed'],
    [{ kind: 'phase-completed', phaseTitle: 'Day after', followUp: true }, ':white_check_mark: Follow-up *Day after* completed'],
    [{ kind: 'run-succeeded', runId: '7', image: 'reg/api:1.2.0', environment: 'production' }, ':white_check_mark: Run #7 succeeded: `reg/api:1.2.0` is live in production'],
    [{ kind: 'run-ended', runId: '7', state: 'failed', reason: 'boom' }, ':x: Run #7 failed: boom'],
    [{ kind: 'run-ended', runId: '7', state: 'error', reason: '403' }, ':warning: Run #7 error: 403'],
    [{ kind: 'run-ended', runId: '7', state: 'aborted', reason: 'not today' }, ':no_entry_sign: Run #7 aborted: not today'],
    [{ kind: 'paused', actor: 'U0ALICE' }, ':double_vertical_bar: Paused by <@U0ALICE>'],
    [{ kind: 'paused', actor: 'U0ALICE', reason: 'lunch' }, ':double_vertical_bar: Paused by <@U0ALICE>: lunch'],
    [{ kind: 'paused', actor: 'U0ALICE', reason: 'ask <!channel> & <https://x|me>' }, ':double_vertical_bar: Paused by <@U0ALICE>: ask &lt;!channel&gt; &amp; &lt;https://x|me&gt;'],
    // flightdeck itself (a guard pausing) and an operator named on the CLI are no Slack users: text, not a broken mention.
    [{ kind: 'paused', actor: 'flightdeck', reason: 'guard error-rate breached' }, ':double_vertical_bar: Paused by flightdeck: guard error-rate breached'],
    [{ kind: 'rollback-started', rollbackRunId: '8', actor: 'ops-<alice>' }, ':rewind: Rollback run #8 started by ops-&lt;alice&gt;'],
    [{ kind: 'resumed', actor: 'U0BOB', pausedAt: T }, ':arrow_forward: Resumed by <@U0BOB> (paused since 14:03 UTC)'],
    [{ kind: 'guard-breached', guardTitle: 'Error rate', detail: '0.09 > 0.05', action: 'rollback' }, ':rotating_light: Guard *Error rate* breached: 0.09 > 0.05 — rolling back now'],
    [{ kind: 'guard-breached', guardTitle: 'p95', detail: '6 s', action: 'page' }, ':rotating_light: Guard *p95* breached: 6 s — paging the on-call; the run is paused'],
    [{ kind: 'follow-up-failed', phaseTitle: 'Day after', reason: 'check failed' }, ':x: Follow-up *Day after*: check failed'],
    [{ kind: 'follow-up-due', runId: '7', phaseTitle: 'Day after', items: 1 }, ':alarm_clock: Follow-up *Day after* for run #7 is due (1 item)'],
    [{ kind: 'follow-up-due', runId: '7', phaseTitle: 'Day after', items: 2 }, ':alarm_clock: Follow-up *Day after* for run #7 is due (2 items)'],
    [{ kind: 'step-failed', itemTitle: 'Set image', reason: 'timeout' }, ':x: Step *Set image* failed: timeout'],
    [{ kind: 'rollback-started', rollbackRunId: '8', actor: 'U0BOB' }, ':rewind: Rollback run #8 started by <@U0BOB>'],
    [{ kind: 'rollback-finished', ok: true, detail: 'revision 3' }, ':leftwards_arrow_with_hook: Rolled back: revision 3'],
    [{ kind: 'rollback-finished', ok: false, detail: 'timed out' }, ':rotating_light: Rollback failed: timed out'],
    [
      { kind: 'rollback-finished', ok: false, detail: 'rollback run #8 ended aborted', reason: { kind: 'aborted', by: 'U0BOB', text: '<!here> stop' } },
      ':rotating_light: Rollback failed: rollback run #8 ended aborted: aborted by <@U0BOB>: &lt;!here&gt; stop',
    ],
    [{ kind: 'run-ended', runId: '7', state: 'aborted', reason: { kind: 'aborted', by: 'U0ALICE' } }, ':no_entry_sign: Run #7 aborted: aborted by <@U0ALICE>'],
    // A running Job's lines, numbered from the first one of the reply.
    [
      { kind: 'job-log', itemTitle: 'Migrate', jobName: 'api-job-7-migrate', podName: 'api-job-7-migrate-x2b4c', lines: ['a', 'b'], part: 1, parts: 1, firstLine: 41 },
      ':page_facing_up: Log of job `api-job-7-migrate`, pod `api-job-7-migrate-x2b4c`, lines 41–42 for step *Migrate*:\n```\na\nb\n```',
    ],
    [
      { kind: 'job-log', itemTitle: 'Migrate', jobName: 'j', podName: 'p', lines: ['c'], part: 2, parts: 2, firstLine: 43 },
      ':page_facing_up: Log of job `j`, pod `p`, line 43 for step *Migrate* (part 2 of 2):\n```\nc\n```',
    ],
    [
      { kind: 'job-log-unavailable', itemTitle: 'Migrate', jobName: 'j', why: 'Not allowed to get log of pod shop/p: <forbidden>' },
      ':warning: The log of job `j` for step *Migrate* could not be posted: Not allowed to get log of pod shop/p: &lt;forbidden&gt;',
    ],
  ])('%j', (note, text) => {
    expect(wordThreadNote(note)).toBe(text);
  });

  it('reads a thread job an older version queued with its words, and refuses one with neither', () => {
    expect(threadJobSchema.parse({ runId: '7', text: ':x: old words' })).toEqual({ runId: '7', note: { kind: 'text', text: ':x: old words' } });
    expect(wordThreadNote(threadJobSchema.parse({ runId: '7', text: ':x: old words' }).note)).toBe(':x: old words');
    expect(threadJobSchema.safeParse({ runId: '7' }).success).toBe(false);
    expect(threadJobSchema.safeParse({ runId: '7', note: { kind: 'paused' } }).success).toBe(false);
  });
});
