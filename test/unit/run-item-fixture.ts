import { expect } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import type { Measurement } from '../../src/probes/probe-provider.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { RunItem } from '../../src/run/core/run-item-schema.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { transition, type RunEvent, type Transition } from '../../src/run/core/transition.js';

/*
 * One run with every kind of item, for the edge tests of what people and checks do to it
 * (run-transition-items-edges, run-item-policy, run-refusal-words, run-transition-steps-edges,
 * run-transition-table-contract): a check beside people in the first phase, a step, a manual item after it,
 * and a follow-up with a check, a box and a sign-off. Requested by UREQ.
 */

export const T0 = Date.UTC(2025, 2, 14, 14, 0, 0);
export const MIN = 60_000;
export const HOUR = 60 * MIN;

const checklist = checklistSchema.parse({
  name: 'edges',
  roles: { qa: 'verifies', 'tech-lead': 'approves', security: 'reviews' },
  phases: [
    {
      id: 'prepare',
      title: 'Prepare',
      items: [
        { id: 'db-up', kind: 'check', title: 'Database answers', probe: { type: 'tcp', host: 'db', port: 5432 }, retries: 2, interval: '5s' },
        { id: 'announce', kind: 'manual', title: 'Announce' },
        { id: 'qa-ok', kind: 'manual', title: 'QA verified', role: 'qa' },
        { id: 'lead', kind: 'signoff', title: 'Tech lead approves', role: 'tech-lead' },
        { id: 'sec', kind: 'signoff', title: 'Security approves', role: 'security' },
      ],
    },
    { id: 'rollout', title: 'Roll out', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }] },
    { id: 'verify', title: 'Verify', items: [{ id: 'smoke', kind: 'manual', title: 'Smoke test passed' }] },
    {
      id: 'day-after',
      title: 'Next day',
      after: '24h',
      items: [
        { id: 'errors', kind: 'check', title: 'Error budget', probe: { type: 'tcp', host: 'db', port: 5432 }, retries: 0 },
        { id: 'budget', kind: 'manual', title: 'Budget reviewed' },
        { id: 'review', kind: 'signoff', title: 'Review signed', role: 'tech-lead' },
      ],
    },
  ],
});

/** A pending run of the checklist; `distinctSigners` as the checklist would set it. */
export function newRun(options: { distinctSigners?: boolean } = {}): Run {
  return createRun(
    {
      id: '12',
      service: 'api',
      environment: 'production',
      version: '1.4.2',
      target: { cluster: 'prod', namespace: 'api', deployment: 'api', container: 'api', image: 'registry/api:1.4.2' },
      requestedBy: 'UREQ',
      channel: 'C1',
      checklist: { ...checklist, distinctSigners: options.distinctSigners ?? false },
    },
    T0,
  );
}

export const start: RunEvent = { type: 'start', actor: 'UREQ' };
export const tick = (itemId: string, actor = 'U2', actorRoles: string[] = []): RunEvent => ({ type: 'tick', itemId, actor, actorRoles });
export const approve = (itemId: string, actor: string, actorRoles: string[]): RunEvent => ({ type: 'approve', itemId, actor, actorRoles });
export const measured = (itemId: string, outcome: Measurement['outcome'], final: boolean, message: string = outcome): RunEvent => ({
  type: 'check-measured',
  itemId,
  measurement: { outcome, message, at: T0 },
  final,
});

/** The people of the first phase, each allowed. */
export const prepared: RunEvent[] = [
  start,
  measured('db-up', 'successful', false),
  tick('announce'),
  tick('qa-ok', 'U3', ['qa']),
  approve('lead', 'U4', ['tech-lead']),
  approve('sec', 'U5', ['security']),
];
/** Up to a succeeded run whose follow-up is not due yet. */
export const succeeded: RunEvent[] = [...prepared, { type: 'step-succeeded', itemId: 'set-image', detail: 'patched' }, tick('smoke')];

/** Applies events in order, each one minute after the previous; returns the last transition. */
export function play(events: RunEvent[], run = newRun()): Transition {
  let last: Transition = { run, audit: [], effects: [] };
  events.forEach((event, i) => {
    last = transition(last.run, event, T0 + (i + 1) * MIN);
  });
  return last;
}

/** A succeeded run whose follow-up "Next day" is open (its check running). */
export function followUpOpen(): Run {
  const run = play(succeeded).run;
  expect(run.state).toBe('succeeded');
  const due = transition(run, { type: 'phase-due', phaseId: 'day-after' }, T0 + 25 * HOUR).run;
  expect(due.phases[3]?.state).toBe('active');
  expect(itemOf(due, 'errors').state).toBe('running');
  return due;
}

export function itemOf(run: Run, id: string): RunItem {
  const found = run.phases.flatMap((phase) => phase.items).find((item) => item.id === id);
  if (!found) throw new Error(`no item ${id}`);
  return found;
}

/** The FlightdeckError `fn` throws. */
export function refusal(fn: () => unknown): FlightdeckError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FlightdeckError);
    return err as FlightdeckError;
  }
  return expect.fail('expected a refusal');
}
