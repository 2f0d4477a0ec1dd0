import { describe, expect, it } from 'vitest';
import { checklistSchema, type Checklist } from '../../src/checklist/checklist-schema.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { createRun } from '../../src/run/core/create-run.js';
import { RUN_SCHEMA_VERSION, type Run } from '../../src/run/core/run-schema.js';
import { transition, type RunEvent } from '../../src/run/core/transition.js';

const T0 = Date.UTC(2025, 2, 14, 14, 0, 0);
const MIN = 60_000;

// Parsed through the schema, so defaults (quorum 1, retries 3, …) are what a YAML file would get.
const checklist: Checklist = checklistSchema.parse({
  name: 'people',
  roles: { 'tech-lead': 'approves the change', security: 'reviews security', qa: 'verifies' },
  phases: [
    {
      id: 'approvals',
      title: 'Approvals',
      items: [
        { id: 'lead', kind: 'signoff', title: 'Tech lead approves {{service}} {{version}}', role: 'tech-lead' },
        { id: 'sec', kind: 'signoff', title: 'Security approves', role: 'security', quorum: 2, expires: '30m' },
        { id: 'qa-ok', kind: 'manual', title: 'QA verified in {{env}}', role: 'qa' },
      ],
    },
    { id: 'rollout', title: 'Rollout', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }] },
  ],
});

function newRun(overrides: Partial<Checklist> = {}): Run {
  const run = createRun(
    {
      id: '7',
      service: 'api',
      environment: 'production',
      version: '2.0.0',
      target: { cluster: 'prod', namespace: 'api', deployment: 'api', container: 'api', image: 'registry/api:2.0.0' },
      requestedBy: 'UREQ',
      channel: 'C1',
      checklist: { ...checklist, ...overrides },
    },
    T0,
  );
  return transition(run, { type: 'start', actor: 'UREQ' }, T0).run;
}

const approve = (itemId: string, actor: string, actorRoles: string[]): RunEvent => ({ type: 'approve', itemId, actor, actorRoles });
const tick = (itemId: string, actor: string, actorRoles: string[]): RunEvent => ({ type: 'tick', itemId, actor, actorRoles });

function play(events: RunEvent[], run = newRun()): Run {
  return events.reduce((current, event, i) => transition(current, event, T0 + (i + 1) * MIN).run, run);
}

function item(run: Run, id: string) {
  return run.phases.flatMap((p) => p.items).find((i) => i.id === id)!;
}

function refusal(fn: () => unknown): FlightdeckError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FlightdeckError);
    return err as FlightdeckError;
  }
  return expect.fail('expected a refusal');
}

describe('createRun fills templates and carries item parameters', () => {
  it('fills {{variables}} and resolves allowSelf from the checklist', () => {
    const run = newRun();
    expect(item(run, 'lead')).toMatchObject({ title: 'Tech lead approves api 2.0.0', kind: 'signoff', role: 'tech-lead', quorum: 1, allowSelf: false, approvals: [] });
    expect(item(run, 'sec')).toMatchObject({ quorum: 2, expiresMs: 30 * MIN });
    expect(item(run, 'qa-ok')).toMatchObject({ title: 'QA verified in production', role: 'qa' });
    expect(run).toMatchObject({ schemaVersion: RUN_SCHEMA_VERSION, kind: 'deploy', confirm: { start: false, signoffs: false }, guards: [], breaches: [] });
    expect(item(newRun({ allowSelfSignoff: true }), 'lead')).toMatchObject({ allowSelf: true });
  });
});

describe('tick and approve: refusals', () => {
  const rows: [string, RunEvent[], RunEvent, string, RegExp][] = [
    ['tick without the role', [], tick('qa-ok', 'U1', ['security']), 'forbidden', /^Only people with the role `qa` may tick "QA verified in production"\.$/],
    ['approve without the role', [], approve('lead', 'U1', ['qa']), 'forbidden', /^Only people with the role `tech-lead` may approve/],
    ['self-approval', [], approve('lead', 'UREQ', ['tech-lead']), 'forbidden', /You requested run 7 .*four-eyes principle, someone else must sign off/],
    ['the same person twice', [approve('sec', 'U1', ['security'])], approve('sec', 'U1', ['security']), 'item-already-done', /^You already approved "Security approves" at 14:01 UTC\.$/],
    ['approve after quorum', [approve('lead', 'U1', ['tech-lead'])], approve('lead', 'U2', ['tech-lead']), 'item-already-done', /already signed off by <@U1> at 14:01 UTC/],
    ['approve a manual item', [], approve('qa-ok', 'U1', ['qa']), 'item-not-tickable', /is a box to tick, not a sign-off/],
    ['tick a sign-off', [], tick('lead', 'U1', ['tech-lead']), 'item-not-tickable', /is a sign-off: it needs an approval/],
    ['approve a step', [], approve('set-image', 'U1', []), 'item-not-tickable', /is a step flightdeck runs itself/],
  ];
  it.each(rows)('%s', (_name, before, event, code, message) => {
    const run = play(before);
    const err = refusal(() => transition(run, event, T0 + 50 * MIN));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it('lets the requester approve when the item allows it', () => {
    const run = newRun({ allowSelfSignoff: true });
    const t = transition(run, approve('lead', 'UREQ', ['tech-lead']), T0 + MIN);
    expect(item(t.run, 'lead')).toMatchObject({ state: 'done', by: 'UREQ', approvals: [{ by: 'UREQ', at: T0 + MIN }] });
  });
});

describe('sign-off quorum and expiry', () => {
  it('needs distinct people up to the quorum, then the phase completes and the step starts', () => {
    const first = play([approve('sec', 'U1', ['security'])]);
    expect(item(first, 'sec')).toMatchObject({ state: 'pending', approvals: [{ by: 'U1', at: T0 + MIN }] });
    const t = transition(play([tick('qa-ok', 'U3', ['qa']), approve('lead', 'U4', ['tech-lead'])], first), approve('sec', 'U2', ['security']), T0 + 10 * MIN);
    expect(item(t.run, 'sec')).toMatchObject({ state: 'done', by: 'U2' });
    expect(t.audit.map((a) => a.action)).toEqual(['signoff.approved', 'phase.completed', 'step.started']);
    expect(t.audit[0]?.detail).toBe('sec: Security approves (2/2)');
    expect(t.effects).toContainEqual({ type: 'run-step', itemId: 'set-image' });
  });

  it('drops approvals older than expires when the phase would complete, and asks for a renewal', () => {
    // U1 approves at 14:01; the phase would complete at 14:40, past the 30 minute expiry.
    const before = play([approve('sec', 'U1', ['security']), approve('sec', 'U2', ['security']), tick('qa-ok', 'U3', ['qa'])]);
    const t = transition(before, approve('lead', 'U4', ['tech-lead']), T0 + 40 * MIN);
    const sec = item(t.run, 'sec');
    expect(sec).toMatchObject({ state: 'pending', approvals: [] });
    // Who lost their approval is kept as data; the run message words it (test/unit/render-run-message.test.ts).
    expect(sec).toMatchObject({ expired: [{ by: 'U1', at: T0 + MIN }, { by: 'U2', at: T0 + 2 * MIN }] });
    expect(sec.detail).toBeUndefined();
    expect(t.run.state).toBe('waiting');
    expect(t.run.phases[0]?.state).toBe('active');
    expect(t.audit.map((a) => a.action)).toEqual(['signoff.approved', 'signoff.expired']);
    // Renewed approvals complete it.
    const renewed = play([approve('sec', 'U1', ['security']), approve('sec', 'U2', ['security'])], t.run);
    expect(renewed.phases[0]?.state).toBe('done');
  });

  it('keeps approvals within expiry', () => {
    const run = play([approve('sec', 'U1', ['security']), approve('sec', 'U2', ['security']), tick('qa-ok', 'U3', ['qa']), approve('lead', 'U4', ['tech-lead'])]);
    expect(run.phases.map((p) => p.state)).toEqual(['done', 'active']);
  });
});
