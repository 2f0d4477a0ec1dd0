import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { JobReport, RunEvent } from '../../src/run/core/run-event.js';
import type { Run } from '../../src/run/core/run-schema.js';
import type { ThreadNote } from '../../src/run/core/thread-note.js';
import { transition } from '../../src/run/core/transition.js';

// How a step report carrying a Job's outcome reaches the run and the thread: which reports keep an outcome,
// when the last lines are posted instead of the whole log, and where the log is cut into parts (3,500
// characters a part, counting one newline per line; a longer line is cut short). job-step.test.ts covers
// the ordinary success and a long failed log.

const T0 = Date.UTC(2026, 11, 5, 9, 0, 0);
const target = { cluster: 'prod', namespace: 'shop', deployment: 'api', container: 'api', image: 'registry/api:2.0.0' };
const PART = 3500;

function started(item: Record<string, unknown>): Run {
  const checklist = checklistSchema.parse({ name: 'jobs', phases: [{ id: 'p', title: 'P', items: [item] }] });
  const run = createRun({ id: '7', service: 'api', environment: 'production', version: '2.0.0', target, requestedBy: 'U1', channel: 'C1', checklist }, T0);
  const next = transition(run, { type: 'start', actor: 'U1' }, T0 + 1).run;
  expect(next.phases[0]!.items[0]).toMatchObject({ kind: 'step', state: 'running' });
  return next;
}
const migrating = () => started({ id: 'migrate', kind: 'step', action: 'job', title: 'Migrate' });
const stepOf = (run: Run) => run.phases[0]!.items[0] as Record<string, unknown>;

function report(status: 'succeeded' | 'failed', log: string[], logTail: string[], podName?: string): JobReport {
  return { outcome: { status, jobName: 'api-job-7-migrate', ...(podName ? { podName } : {}), exitCode: status === 'succeeded' ? 0 : 2, message: 'done', logTail }, log };
}
const succeeded = (job?: JobReport): RunEvent => ({ type: 'step-succeeded', itemId: 'migrate', detail: 'job succeeded', ...(job ? { job } : {}) });
const failed = (job?: JobReport): RunEvent => ({ type: 'step-failed', itemId: 'migrate', reason: 'Job failed', outcome: 'failed', ...(job ? { job } : {}) });
type JobLog = Extract<ThreadNote, { kind: 'job-log' }>;
const logNotes = (effects: ReturnType<typeof transition>['effects']): JobLog[] =>
  effects.flatMap((effect) => (effect.type === 'thread' && effect.note.kind === 'job-log' ? [effect.note] : []));
const partsOf = (log: string[]) => logNotes(transition(migrating(), failed(report('failed', log, log.slice(-2), 'pod-1')), T0 + 2).effects);

describe('a step report without a Job outcome', () => {
  it.each([['success', succeeded()], ['failure', failed()]])('ends a job step without an outcome or a log: %s', (_what, event) => {
    const t = transition(migrating(), event, T0 + 2);
    expect(stepOf(t.run).state).toBe(event.type === 'step-succeeded' ? 'done' : 'failed');
    expect(stepOf(t.run)).not.toHaveProperty('outcome');
    expect(logNotes(t.effects)).toEqual([]);
  });

  it('is how a step that is not a job ends, even if the report carries one', () => {
    const run = started({ id: 'roll', kind: 'step', action: 'set-image' });
    const job = report('succeeded', [], ['a']);
    const t = transition(run, { type: 'step-succeeded', itemId: 'roll', detail: 'rolled out', job }, T0 + 2);
    expect(stepOf(t.run)).toMatchObject({ state: 'done', detail: 'rolled out' });
    expect(stepOf(t.run)).not.toHaveProperty('outcome');
    expect(logNotes(t.effects)).toEqual([]);
  });
});

describe('the last lines of a Job', () => {
  it('are posted for a Job that succeeded even when the report carries a whole log', () => {
    const t = transition(migrating(), succeeded(report('succeeded', ['1', '2', '3'], ['2', '3'])), T0 + 2);
    expect(stepOf(t.run).outcome).toMatchObject({ status: 'succeeded', logTail: ['2', '3'] });
    expect(logNotes(t.effects)).toEqual([{ kind: 'job-log', itemTitle: 'Migrate', jobName: 'api-job-7-migrate', lines: ['2', '3'], part: 1, parts: 1, tail: true }]);
  });

  it('are posted for a failed Job whose whole log could not be read', () => {
    const t = transition(migrating(), failed(report('failed', [], ['boom'], 'pod-1')), T0 + 2);
    expect(stepOf(t.run).outcome).toMatchObject({ status: 'failed', podName: 'pod-1' });
    expect(logNotes(t.effects)).toEqual([{ kind: 'job-log', itemTitle: 'Migrate', jobName: 'api-job-7-migrate', podName: 'pod-1', lines: ['boom'], part: 1, parts: 1, tail: true }]);
  });

  it('are not posted when the Job wrote nothing, though its outcome is kept', () => {
    const t = transition(migrating(), succeeded(report('succeeded', [], [])), T0 + 2);
    expect(stepOf(t.run).outcome).toMatchObject({ status: 'succeeded', logTail: [] });
    expect(logNotes(t.effects)).toEqual([]);
  });
});

describe('the whole log of a failed Job', () => {
  it('is one part, naming the pod, when it fits', () => {
    expect(partsOf(['a', 'b'])).toEqual([{ kind: 'job-log', itemTitle: 'Migrate', jobName: 'api-job-7-migrate', podName: 'pod-1', lines: ['a', 'b'], part: 1, parts: 1 }]);
  });

  it('keeps a line of exactly a part in one part, alone, and cuts a longer one to a part', () => {
    const exact = 'e'.repeat(PART);
    const long = 'l'.repeat(PART + 10);
    expect(partsOf([exact]).map((note) => note.lines)).toEqual([[exact]]);
    expect(partsOf([long]).map((note) => note.lines)).toEqual([[`${'l'.repeat(PART - 1)}…`]]);
    expect(partsOf([exact, 'x']).map((note) => [note.lines, note.part, note.parts])).toEqual([[[exact], 1, 2], [['x'], 2, 2]]);
  });

  it('starts a new part only when the next line and its newline would pass the limit', () => {
    const first = 'a'.repeat(1749); // 1,750 with its newline
    const fits = 'b'.repeat(1749); // 3,500 in all: still fits
    const over = 'c'.repeat(1750); // 3,501: does not
    expect(partsOf([first, fits]).map((note) => note.lines)).toEqual([[first, fits]]);
    expect(partsOf([first, over]).map((note) => note.lines)).toEqual([[first], [over]]);
  });
});
