import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { JobReport, RunEvent } from '../../src/run/core/run-event.js';
import type { Run } from '../../src/run/core/run-schema.js';
import type { ThreadNote } from '../../src/run/core/thread-note.js';
import { transition } from '../../src/run/core/transition.js';

// How a Job's log reaches the run and the thread: the lines a running Job streams (in parts of 3,500
// characters, counting one newline per line; a longer line is cut short), how far they got, which reports
// keep an outcome, when the last lines are posted, and the file a failed Job's whole log goes to.

const T0 = Date.UTC(2026, 11, 5, 9, 0, 0);
const target = { cluster: 'prod', namespace: 'shop', deployment: 'api', container: 'api', image: 'registry/api:2.0.0' };
const PART = 3500;
const JOB = 'api-job-7-migrate';

function started(item: Record<string, unknown>): Run {
  const checklist = checklistSchema.parse({ name: 'jobs', phases: [{ id: 'p', title: 'P', items: [item] }] });
  const run = createRun({ id: '7', service: 'api', environment: 'production', version: '2.0.0', target, requestedBy: 'U1', channel: 'C1', checklist }, T0);
  const next = transition(run, { type: 'start', actor: 'U1' }, T0 + 1).run;
  expect(next.phases[0]!.items[0]).toMatchObject({ kind: 'step', state: 'running' });
  return next;
}
const migrating = () => started({ id: 'migrate', kind: 'step', action: 'job', title: 'Migrate' });
const stepOf = (run: Run) => run.phases[0]!.items[0] as Record<string, unknown>;

function report(status: 'succeeded' | 'failed', logTail: string[], podName?: string): JobReport {
  return { outcome: { status, jobName: JOB, ...(podName ? { podName } : {}), exitCode: status === 'succeeded' ? 0 : 2, message: 'done', logTail } };
}
const succeeded = (job?: JobReport): RunEvent => ({ type: 'step-succeeded', itemId: 'migrate', detail: 'job succeeded', ...(job ? { job } : {}) });
const failed = (job?: JobReport): RunEvent => ({ type: 'step-failed', itemId: 'migrate', reason: 'Job failed', outcome: 'failed', ...(job ? { job } : {}) });
const streamed = (lines: string[], from = 0, podName = 'pod-1'): RunEvent => ({ type: 'job-log-streamed', itemId: 'migrate', jobName: JOB, podName, from, lines });
type JobLog = Extract<ThreadNote, { kind: 'job-log' }>;
const logNotes = (effects: ReturnType<typeof transition>['effects']): JobLog[] =>
  effects.flatMap((effect) => (effect.type === 'thread' && effect.note.kind === 'job-log' ? [effect.note] : []));
const partsOf = (log: string[]) => logNotes(transition(migrating(), streamed(log), T0 + 2).effects);

describe('a step report without a Job outcome', () => {
  it.each([['success', succeeded()], ['failure', failed()]])('ends a job step without an outcome or a log: %s', (_what, event) => {
    const t = transition(migrating(), event, T0 + 2);
    expect(stepOf(t.run).state).toBe(event.type === 'step-succeeded' ? 'done' : 'failed');
    expect(stepOf(t.run)).not.toHaveProperty('outcome');
    expect(logNotes(t.effects)).toEqual([]);
    expect(t.effects.filter((effect) => effect.type === 'job-log-file')).toEqual([]);
  });

  it('is how a step that is not a job ends, even if the report carries one', () => {
    const run = started({ id: 'roll', kind: 'step', action: 'set-image' });
    const t = transition(run, { type: 'step-succeeded', itemId: 'roll', detail: 'rolled out', job: report('succeeded', ['a']) }, T0 + 2);
    expect(stepOf(t.run)).toMatchObject({ state: 'done', detail: 'rolled out' });
    expect(stepOf(t.run)).not.toHaveProperty('outcome');
    expect(logNotes(t.effects)).toEqual([]);
  });
});

describe('the last lines of a Job that succeeded', () => {
  it('are posted when none of its log was streamed while it ran', () => {
    const t = transition(migrating(), succeeded(report('succeeded', ['2', '3'])), T0 + 2);
    expect(stepOf(t.run).outcome).toMatchObject({ status: 'succeeded', logTail: ['2', '3'] });
    expect(logNotes(t.effects)).toEqual([{ kind: 'job-log', itemTitle: 'Migrate', jobName: JOB, lines: ['2', '3'], part: 1, parts: 1, tail: true }]);
  });

  it('are not posted again when the thread has its log already, though the outcome is kept', () => {
    const run = transition(migrating(), streamed(['1', '2', '3']), T0 + 2).run;
    const t = transition(run, succeeded(report('succeeded', ['2', '3'], 'pod-1')), T0 + 3);
    expect(stepOf(t.run).outcome).toMatchObject({ status: 'succeeded', logTail: ['2', '3'] });
    expect(logNotes(t.effects)).toEqual([]);
  });

  it('are not posted when the Job wrote nothing', () => {
    const t = transition(migrating(), succeeded(report('succeeded', [])), T0 + 2);
    expect(logNotes(t.effects)).toEqual([]);
  });
});

describe('a failed Job', () => {
  it('has its whole log uploaded as a file, with or without onFailure: continue', () => {
    const t = transition(migrating(), failed(report('failed', ['boom'], 'pod-1')), T0 + 2);
    expect(stepOf(t.run).outcome).toMatchObject({ status: 'failed', podName: 'pod-1' });
    expect(t.effects.filter((effect) => effect.type === 'job-log-file')).toEqual([{ type: 'job-log-file', itemId: 'migrate' }]);
    expect(logNotes(t.effects)).toEqual([]);
    const carriedOn = transition(migrating(), succeeded(report('failed', ['boom'], 'pod-1')), T0 + 2);
    expect(carriedOn.effects.filter((effect) => effect.type === 'job-log-file')).toEqual([{ type: 'job-log-file', itemId: 'migrate' }]);
  });
});

describe('the log of a running Job', () => {
  it('reaches the thread numbered from its first line, and the run keeps how far it got', () => {
    const first = transition(migrating(), streamed(['a', 'b']), T0 + 2);
    expect(stepOf(first.run).logStream).toEqual({ podName: 'pod-1', lines: 2 });
    expect(logNotes(first.effects)).toEqual([{ kind: 'job-log', itemTitle: 'Migrate', jobName: JOB, podName: 'pod-1', lines: ['a', 'b'], part: 1, parts: 1, firstLine: 1 }]);
    const second = transition(first.run, streamed(['c'], 2), T0 + 3);
    expect(stepOf(second.run).logStream).toEqual({ podName: 'pod-1', lines: 3 });
    expect(logNotes(second.effects).map((note) => [note.firstLine, note.lines])).toEqual([[3, ['c']]]);
  });

  it('changes nothing for lines from elsewhere than where the run got: a repeat after a kill, a gap', () => {
    const run = transition(migrating(), streamed(['a', 'b']), T0 + 2).run;
    expect(() => transition(run, streamed(['a', 'b']), T0 + 3)).not.toThrow();
    expect(transition(run, streamed(['a', 'b']), T0 + 3).effects).toEqual([]);
    expect(transition(run, streamed(['z'], 5), T0 + 3).effects).toEqual([]);
    expect(stepOf(transition(run, streamed(['z'], 5), T0 + 3).run).logStream).toEqual({ podName: 'pod-1', lines: 2 });
  });

  it("starts over at line 1 for the Job's next pod", () => {
    const run = transition(migrating(), streamed(['a', 'b']), T0 + 2).run;
    const t = transition(run, streamed(['retry'], 0, 'pod-2'), T0 + 3);
    expect(stepOf(t.run).logStream).toEqual({ podName: 'pod-2', lines: 1 });
    expect(logNotes(t.effects).map((note) => [note.podName, note.firstLine])).toEqual([['pod-2', 1]]);
  });

  it('is refused once the run has ended', () => {
    const done = transition(migrating(), succeeded(report('succeeded', [])), T0 + 2).run;
    expect(() => transition(done, streamed(['late']), T0 + 3)).toThrow();
  });
});

describe('the parts of a streamed log', () => {
  it('are one, naming the pod, when the lines fit', () => {
    expect(partsOf(['a', 'b'])).toEqual([{ kind: 'job-log', itemTitle: 'Migrate', jobName: JOB, podName: 'pod-1', lines: ['a', 'b'], part: 1, parts: 1, firstLine: 1 }]);
  });

  it('keep a line of exactly a part in one part, alone, and cut a longer one to a part', () => {
    const exact = 'e'.repeat(PART);
    const long = 'l'.repeat(PART + 10);
    expect(partsOf([exact]).map((note) => note.lines)).toEqual([[exact]]);
    expect(partsOf([long]).map((note) => note.lines)).toEqual([[`${'l'.repeat(PART - 1)}…`]]);
    expect(partsOf([exact, 'x']).map((note) => [note.lines, note.part, note.parts, note.firstLine])).toEqual([[[exact], 1, 2, 1], [['x'], 2, 2, 2]]);
  });

  it('start a new part only when the next line and its newline would pass the limit', () => {
    const first = 'a'.repeat(1749); // 1,750 with its newline
    const fits = 'b'.repeat(1749); // 3,500 in all: still fits
    const over = 'c'.repeat(1750); // 3,501: does not
    expect(partsOf([first, fits]).map((note) => note.lines)).toEqual([[first, fits]]);
    expect(partsOf([first, over]).map((note) => note.lines)).toEqual([[first], [over]]);
  });
});
