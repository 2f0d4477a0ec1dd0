import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRun } from '../../src/run/core/create-run.js';
import { toGuardWatch, watchedGuards } from '../../src/run/core/guard-watch.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { transition, type RunEvent } from '../../src/run/core/transition.js';
import { renderRunMessage } from '../../src/slack/render-run-message.js';
import { wordThreadNote } from '../../src/slack/views/word-thread-note.js';
import { alertText } from '../../src/slack/slack-incident-notifier.js';

// The day-after watch: guards with `watchFor` keep watching a succeeded run with their `afterSuccess`
// settings; what begins, ends and breaches it, as pure transitions.

const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

const errors = { id: 'errors', title: 'Error rate', probe: { type: 'prometheus', query: 'rate(x[1m])', above: 0.05 }, for: '2m', action: 'rollback' };

function checklistWith(guards: object[], extraPhases: object[] = []) {
  return checklistSchema.parse({
    name: 'watched',
    phases: [
      { id: 'rollout', title: 'Rollout', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }] },
      { id: 'verify', title: 'Verify', items: [{ id: 'looks-good', kind: 'manual', title: 'Looks good' }] },
      ...extraPhases,
    ],
    guards,
  });
}

function runOf(checklist: ReturnType<typeof checklistWith>): Run {
  return createRun(
    {
      id: '31',
      service: 'api',
      environment: 'production',
      version: '2.2.0',
      target: { cluster: 'prod', namespace: 'api', deployment: 'api', container: 'api', image: 'registry/api:2.2.0' },
      requestedBy: 'U1',
      channel: 'C1',
      checklist,
    },
    T0,
  );
}

/** Applies events one after another from T0, a minute apart; returns the last transition. */
function walk(run: Run, events: RunEvent[], from = T0) {
  let result = { run, audit: [], effects: [] } as ReturnType<typeof transition>;
  events.forEach((event, i) => {
    result = transition(result.run, event, from + i * MIN);
  });
  return result;
}

const toSuccess: RunEvent[] = [
  { type: 'start', actor: 'U1' },
  { type: 'step-succeeded', itemId: 'set-image', detail: 'patched' },
  { type: 'tick', itemId: 'looks-good', actor: 'U2', actorRoles: [] },
];
const SUCCESS_AT = T0 + 2 * MIN;

const watchedChecklist = checklistWith([
  { ...errors, watchFor: '24h', afterSuccess: { above: 0.02, for: '10m', interval: '1m' } },
  { id: 'latency', title: 'Latency', probe: { type: 'prometheus', query: 'p99', above: 0.5 }, action: 'notify', watchFor: '1h' },
  { id: 'pods', title: 'Pods', probe: { type: 'k8s-pods' }, action: 'page' },
]);

const succeeded = () => walk(runOf(watchedChecklist), toSuccess);
const breach = (guardId: string, action: 'rollback' | 'page' | 'notify'): RunEvent => ({ type: 'guard-breached', guardId, action, detail: '0.03 > 0.02' });

describe('the checklist keys of the watch', () => {
  it('turn into the run guard\'s watch: afterSuccess replaces the threshold, for and interval, and pages by default', () => {
    const [guard, latency, pods] = watchedChecklist.guards;
    expect(toGuardWatch(guard!)).toEqual({ windowMs: 24 * HOUR, probe: { type: 'prometheus', query: 'rate(x[1m])', above: 0.02 }, forMs: 10 * MIN, intervalMs: MIN, action: 'page' });
    expect(toGuardWatch(latency!)).toEqual({ windowMs: HOUR, probe: latency!.probe, forMs: 0, intervalMs: 10_000, action: 'page' });
    expect(toGuardWatch(pods!)).toBeUndefined();
  });

  it('replace a below threshold by an above one, and roll back only when afterSuccess says so', () => {
    const [guard] = checklistWith([{ ...errors, probe: { type: 'prometheus', query: 'up', below: 1 }, watchFor: '2h', afterSuccess: { above: 3, action: 'rollback' } }]).guards;
    expect(toGuardWatch(guard!)).toMatchObject({ probe: { type: 'prometheus', query: 'up', above: 3 }, action: 'rollback' });
  });

  it.each([
    ['afterSuccess without watchFor', { ...errors, afterSuccess: { for: '5m' } }, 'guards.0.afterSuccess', 'which it does only with `watchFor`'],
    ['a threshold on a probe that has none', { ...errors, probe: { type: 'tcp', host: 'db', port: 5432 }, watchFor: '1h', afterSuccess: { above: 1 } }, 'guards.0.afterSuccess.above', 'only a prometheus probe has a threshold to replace'],
    ['both thresholds', { ...errors, watchFor: '1h', afterSuccess: { above: 1, below: 0 } }, 'guards.0.afterSuccess', 'at most one of `above` or `below`'],
    ['an unknown key', { ...errors, watchFor: '1h', afterSuccess: { threshold: 1 } }, 'guards.0.afterSuccess', 'threshold'],
    ['a watchFor that is no duration', { ...errors, watchFor: 'a day' }, 'guards.0.watchFor', 'must be a whole number and a unit'],
  ])('refuse %s', (_, guard, path, words) => {
    const result = checklistSchema.safeParse({ name: 'x', phases: [{ id: 'p', title: 'P', items: [{ id: 'm', kind: 'manual', title: 'M' }] }], guards: [guard] });
    expect(result.success).toBe(false);
    const issue = result.error!.issues.find((candidate) => candidate.path.join('.') === path);
    expect(JSON.stringify(issue ?? result.error!.issues)).toContain(words);
  });

  it('take onFailure on a follow-up phase only', () => {
    const bad = checklistSchema.safeParse({ name: 'x', phases: [{ id: 'p', title: 'P', onFailure: 'page', items: [{ id: 'm', kind: 'manual', title: 'M' }] }] });
    expect(bad.error?.issues).toMatchObject([{ path: ['phases', 0, 'onFailure'], message: expect.stringContaining('only a follow-up phase') }]);
    const run = runOf(checklistWith([], [{ id: 'day-after', title: 'Day after', after: '24h', onFailure: 'page', items: [{ id: 'm2', kind: 'manual', title: 'M' }] }]));
    expect(run.phases.find((phase) => phase.id === 'day-after')).toMatchObject({ afterMs: 24 * HOUR, onFailure: 'page' });
  });
});

describe('the watch of a succeeded run', () => {
  it('begins at success for the guards with watchFor, until the longest window, with its end scheduled', () => {
    const { run, effects, audit } = succeeded();
    expect(run.state).toBe('succeeded');
    expect(run.watch).toEqual({ startedAt: SUCCESS_AT, until: SUCCESS_AT + 24 * HOUR });
    expect(run.guardsStoppedAt).toBe(SUCCESS_AT);
    expect(effects).toContainEqual({ type: 'schedule-watch-end', at: SUCCESS_AT + 24 * HOUR });
    expect(effects).toContainEqual({ type: 'thread', note: { kind: 'watch-started', until: SUCCESS_AT + 24 * HOUR, guards: ['Error rate', 'Latency'] } });
    expect(effects).toContainEqual({ type: 'stop-guards' });
    expect(audit.map((entry) => entry.action)).toContain('watch.started');
  });

  it('is not begun when no guard has watchFor, nor when the guards never watched', () => {
    expect(walk(runOf(checklistWith([errors])), toSuccess).run.watch).toBeUndefined();
    const noStep = checklistSchema.parse({ name: 'x', phases: [{ id: 'p', title: 'P', items: [{ id: 'm', kind: 'manual', title: 'M' }] }], guards: [{ ...errors, watchFor: '1h' }] });
    const unguarded = walk(runOf(noStep), [{ type: 'start', actor: 'U1' }, { type: 'tick', itemId: 'm', actor: 'U2', actorRoles: [] }]).run;
    expect(unguarded.state).toBe('succeeded');
    expect(unguarded.watch).toBeUndefined();
  });

  it('evaluates each guard with its watch settings while its own window lasts', () => {
    const { run } = succeeded();
    expect(watchedGuards(run, SUCCESS_AT + MIN).map((guard) => [guard.id, guard.action, guard.forMs])).toEqual([['errors', 'page', 10 * MIN], ['latency', 'page', 0]]);
    expect(watchedGuards(run, SUCCESS_AT + 2 * HOUR).map((guard) => guard.id)).toEqual(['errors']);
    expect(watchedGuards(run, SUCCESS_AT + 24 * HOUR)).toEqual([]);
  });

  it('takes assessments, and a page breach pages while the run stays succeeded', () => {
    const { run } = succeeded();
    const assessed = transition(run, { type: 'guard-assessed', guardId: 'errors', assessment: { status: 'breached', since: SUCCESS_AT + MIN, values: [], reason: 'above' } }, SUCCESS_AT + 11 * MIN);
    expect(assessed.run.guards[0]!.assessment?.status).toBe('breached');
    const again = { type: 'guard-assessed' as const, guardId: 'errors', assessment: { status: 'breached' as const, since: SUCCESS_AT + MIN, values: [], reason: 'above, latest 0.031' } };
    expect(transition(assessed.run, again, SUCCESS_AT + 12 * MIN).run, 'a new value alone does not rewrite the finished run').toBe(assessed.run);
    const paged = transition(assessed.run, breach('errors', 'page'), SUCCESS_AT + 11 * MIN);
    expect(paged.run.state).toBe('succeeded');
    expect(paged.run.watch?.end).toBeUndefined();
    expect(paged.effects).toEqual([
      { type: 'thread', note: { kind: 'guard-breached', guardTitle: 'Error rate', detail: '0.03 > 0.02', action: 'page', watch: true } },
      { type: 'page', guardId: 'errors', detail: '0.03 > 0.02' },
    ]);
    expect(wordThreadNote(paged.effects[0]!.type === 'thread' ? paged.effects[0]!.note : { kind: 'text', text: '' })).toBe(
      ':rotating_light: Guard *Error rate* breached after the run succeeded: 0.03 > 0.02 — paging the on-call, who decides on a rollback',
    );
    expect(transition(paged.run, breach('errors', 'page'), SUCCESS_AT + 12 * MIN).effects).toEqual([]);
  });

  it('alerts in words that say the run stays live and a person decides', () => {
    const alert = { guardId: 'errors', guardTitle: 'Error rate', action: 'page' as const, inconclusive: false, detail: '0.03 > 0.02', at: SUCCESS_AT };
    expect(alertText(succeeded().run, alert)).toBe(
      [
        ':rotating_light: Guard *Error rate* breached after the run succeeded on api `2.2.0` in production (run #31)',
        '0.03 > 0.02',
        ':pager: *Paging the on-call* — the run succeeded and stays live until someone rolls it back (Rollback button in the on-call DM).',
      ].join('\n'),
    );
    const during = walk(runOf(watchedChecklist), toSuccess.slice(0, 1)).run;
    expect(alertText(during, alert)).toContain('the run is paused until someone rolls back or resumes');
  });

  it('ends on a rollback breach (only where the checklist says rollback) and asks for the rollback', () => {
    const { run } = succeeded();
    const next = transition(run, breach('errors', 'rollback'), SUCCESS_AT + HOUR);
    expect(next.run.state).toBe('succeeded');
    expect(next.run.watch).toMatchObject({ end: { kind: 'breached', guardId: 'errors' }, endedAt: SUCCESS_AT + HOUR });
    expect(next.effects).toContainEqual({ type: 'request-rollback', reason: 'guard "Error rate" breached after the run succeeded: 0.03 > 0.02' });
    expect(transition(next.run, breach('latency', 'page'), SUCCESS_AT + HOUR + MIN).effects).toEqual([]);
  });

  it('expires at its end, and not before (a delayed job that fired early changes nothing)', () => {
    const { run } = succeeded();
    const expired: RunEvent = { type: 'watch-ended', end: { kind: 'expired' } };
    expect(transition(run, expired, SUCCESS_AT + 23 * HOUR).run).toBe(run);
    const ended = transition(run, expired, SUCCESS_AT + 24 * HOUR);
    expect(ended.run.watch).toMatchObject({ end: { kind: 'expired' }, endedAt: SUCCESS_AT + 24 * HOUR });
    expect(ended.effects).toEqual([{ type: 'thread', note: { kind: 'watch-ended', end: { kind: 'expired' } } }]);
    expect(transition(ended.run, expired, SUCCESS_AT + 25 * HOUR).run).toBe(ended.run);
    expect(transition(ended.run, breach('errors', 'page'), SUCCESS_AT + 25 * HOUR).run).toBe(ended.run);
    const text = JSON.stringify(renderRunMessage(ended.run).blocks);
    expect(text).toContain('Watch ended: the guards stayed healthy for the whole window (2026-12-07 09:02 UTC)');
    expect(JSON.stringify(renderRunMessage(run).blocks)).toContain('Guards watching until 2026-12-07 09:02 UTC');
  });

  it('ends when a newer run of the target began, and when the run is rolled back', () => {
    const { run } = succeeded();
    const superseded = transition(run, { type: 'watch-ended', end: { kind: 'superseded', runId: '32' } }, SUCCESS_AT + HOUR);
    expect(superseded.run.watch?.end).toEqual({ kind: 'superseded', runId: '32' });
    const rolling = transition(run, { type: 'rollback-started', rollbackRunId: '33', actor: 'U2' }, SUCCESS_AT + HOUR);
    expect(rolling.run.state).toBe('rolling-back');
    expect(rolling.run.watch?.end).toEqual({ kind: 'rolled-back' });
    expect(rolling.effects).toContainEqual({ type: 'thread', note: { kind: 'watch-ended', end: { kind: 'rolled-back' } } });
  });
});

describe('a follow-up check that fails', () => {
  const followUp = (onFailure?: 'page' | 'notify') =>
    checklistWith([], [
      { id: 'day-after', title: 'Day after', after: '1h', ...(onFailure ? { onFailure } : {}), items: [{ id: 'healthy', kind: 'check', title: 'Healthy', retries: 0, probe: { type: 'tcp', host: 'api', port: 80 } }] },
    ]);
  const failed: RunEvent = { type: 'check-measured', itemId: 'healthy', measurement: { outcome: 'failed', message: 'connection refused', at: T0 }, final: true };

  it('pages PagerDuty under its own incident with onFailure: page', () => {
    const due = walk(runOf(followUp('page')), [...toSuccess, { type: 'phase-due', phaseId: 'day-after' }]).run;
    const next = transition(due, failed, T0 + HOUR);
    expect(next.run.state).toBe('succeeded');
    expect(next.effects).toContainEqual({ type: 'page-failure', detail: 'follow-up "Day after": check "Healthy" failed after 1 try: connection refused', incident: 'follow-up-day-after' });
  });

  it('only tells the thread without it', () => {
    const due = walk(runOf(followUp()), [...toSuccess, { type: 'phase-due', phaseId: 'day-after' }]).run;
    expect(transition(due, failed, T0 + HOUR).effects.map((effect) => effect.type)).not.toContain('page-failure');
  });
});
