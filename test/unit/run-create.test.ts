import { describe, expect, it } from 'vitest';
import { checklistSchema, type Checklist } from '../../src/checklist/checklist-schema.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { createRun, type CreateRunInput } from '../../src/run/core/create-run.js';
import { RUN_SCHEMA_VERSION, type Run } from '../../src/run/core/run-schema.js';

// The run createRun makes from a checklist: every field of the document, every template variable filled,
// each kind of item with exactly its own fields (optional ones only when the checklist sets them), and the
// words of the refusal when a duration slipped past the checklist schema.

const T0 = Date.UTC(2025, 2, 14, 14, 0, 0);
const MIN = 60_000;
const target = { cluster: 'prod', namespace: 'shop', deployment: 'api-deploy', container: 'api-main', image: 'registry/api:2.0.0' };

function input(checklist: Checklist, extra: Partial<CreateRunInput> = {}): CreateRunInput {
  return { id: '60', service: 'api', environment: 'production', version: '2.0.0', target, requestedBy: 'UREQ', channel: 'C9', checklist, ...extra };
}

function parse(raw: object): Checklist {
  return checklistSchema.parse({ name: 'made', ...raw });
}

function onlyPhase(items: object[]): Checklist {
  return parse({ phases: [{ id: 'p', title: 'P', items }] });
}

function items(run: Run) {
  return run.phases.flatMap((phase) => phase.items);
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

describe('createRun: the run document', () => {
  const checklist = parse({
    distinctSigners: true,
    phases: [
      { id: 'go', title: 'Go', items: [{ id: 'set', kind: 'step', action: 'set-image' }] },
      { id: 'later', title: 'Later', after: '2h', items: [{ id: 'look', kind: 'manual', title: 'Look' }] },
    ],
    guards: [{ id: 'errors', title: 'Errors', probe: { type: 'prometheus', query: 'up', below: 1 }, for: '3m', interval: '15s', action: 'page', noData: 'breach', onError: 'ok' }],
  });

  it('holds every field of a new pending deploy', () => {
    const run = createRun(input(checklist), T0);
    expect(run).toStrictEqual({
      schemaVersion: RUN_SCHEMA_VERSION,
      id: '60',
      kind: 'deploy',
      seq: 0,
      service: 'api',
      environment: 'production',
      version: '2.0.0',
      checklist: 'made',
      target,
      requestedBy: 'UREQ',
      channel: 'C9',
      state: 'pending',
      confirm: { start: false, signoffs: false },
      distinctSigners: true,
      phases: [
        { id: 'go', title: 'Go', state: 'pending', items: [{ id: 'set', kind: 'step', state: 'pending', action: 'set-image', title: 'Set image to registry/api:2.0.0' }] },
        { id: 'later', title: 'Later', state: 'pending', afterMs: 2 * 60 * MIN, items: [{ id: 'look', kind: 'manual', title: 'Look', state: 'pending', requesterMayTick: true }] },
      ],
      guards: [{ id: 'errors', title: 'Errors', probe: { type: 'prometheus', query: 'up', below: 1 }, forMs: 3 * MIN, intervalMs: 15_000, action: 'page', noData: 'breach', onError: 'ok' }],
      breaches: [],
      createdAt: T0,
      updatedAt: T0,
    });
  });

  it('copies the environment’s confirmations and the target, so later changes to the input do not reach the run', () => {
    const confirm = { start: true, signoffs: true };
    const own = { ...target };
    const run = createRun(input(checklist, { confirm, target: own }), T0);
    expect(run.confirm).toEqual({ start: true, signoffs: true });
    confirm.start = false;
    own.image = 'registry/api:6.6.6';
    expect(run.confirm.start).toBe(true);
    expect(run.target.image).toBe('registry/api:2.0.0');
  });

  it('fills every template variable', () => {
    const title = '{{service}} {{version}} {{env}} {{namespace}} {{deployment}} {{container}} {{image}} #{{run}} by {{requester}}';
    const run = createRun(input(onlyPhase([{ id: 'all', kind: 'manual', title }])), T0);
    expect(items(run)[0]?.title).toBe('api 2.0.0 production shop api-deploy api-main registry/api:2.0.0 #60 by UREQ');
  });

  it('names the phase or guard whose duration is not one', () => {
    const broken = (patch: (checklist: Checklist) => void): Checklist => {
      const copy = structuredClone(checklist);
      patch(copy);
      return copy;
    };
    const cases: [Checklist, string][] = [
      [broken((c) => void (c.phases[1]!.after = 'later')), 'The phase "later" after "later" is not a duration.'],
      [broken((c) => void (c.guards[0]!.for = 'ages')), 'The guard "errors" for "ages" is not a duration.'],
      [broken((c) => void (c.guards[0]!.interval = 'often')), 'The guard "errors" interval "often" is not a duration.'],
    ];
    for (const [bad, message] of cases) {
      const err = refusal(() => createRun(input(bad), T0));
      expect(err.code).toBe('checklist-invalid');
      expect(err.message).toBe(message);
    }
  });
});

describe('toRunItem: people', () => {
  it('a manual item: role and requesterMayTick as the checklist says, requester allowed by default only without a role', () => {
    const run = createRun(
      input(
        parse({
          roles: { qa: 'verifies' },
          phases: [
            {
              id: 'p',
              title: 'P',
              items: [
                { id: 'open', kind: 'manual', title: 'Open' },
                { id: 'qa', kind: 'manual', title: 'QA', role: 'qa' },
                { id: 'qa-self', kind: 'manual', title: 'QA self', role: 'qa', requesterMayTick: true },
                { id: 'not-me', kind: 'manual', title: 'Not me', requesterMayTick: false },
              ],
            },
          ],
        }),
      ),
      T0,
    );
    expect(items(run)).toStrictEqual([
      { id: 'open', kind: 'manual', title: 'Open', state: 'pending', requesterMayTick: true },
      { id: 'qa', kind: 'manual', title: 'QA', state: 'pending', role: 'qa', requesterMayTick: false },
      { id: 'qa-self', kind: 'manual', title: 'QA self', state: 'pending', role: 'qa', requesterMayTick: true },
      { id: 'not-me', kind: 'manual', title: 'Not me', state: 'pending', requesterMayTick: false },
    ]);
  });

  it('a sign-off: quorum, its own allowSelf over the checklist’s, expiry only when set', () => {
    const checklist = parse({
      roles: { lead: 'approves' },
      allowSelfSignoff: true,
      phases: [
        {
          id: 'p',
          title: 'P',
          items: [
            { id: 'plain', kind: 'signoff', title: 'Plain', role: 'lead' },
            { id: 'strict', kind: 'signoff', title: 'Strict', role: 'lead', quorum: 2, allowSelf: false, expires: '45m' },
          ],
        },
      ],
    });
    expect(items(createRun(input(checklist), T0))).toStrictEqual([
      { id: 'plain', kind: 'signoff', title: 'Plain', state: 'pending', role: 'lead', quorum: 1, allowSelf: true, approvals: [] },
      { id: 'strict', kind: 'signoff', title: 'Strict', state: 'pending', role: 'lead', quorum: 2, allowSelf: false, expiresMs: 45 * MIN, approvals: [] },
    ]);
    const bad = structuredClone(checklist);
    const strict = bad.phases[0]!.items[1]!;
    if (strict.kind === 'signoff') strict.expires = 'soon';
    expect(refusal(() => createRun(input(bad), T0)).message).toBe('The expiry of "strict" "soon" is not a duration.');
  });
});

describe('toRunItem: checks', () => {
  it('carries retries and its durations in ms, with no attempts yet', () => {
    const checklist = onlyPhase([{ id: 'db', kind: 'check', title: 'DB', probe: { type: 'tcp', host: 'db', port: 5432 }, retries: 4, interval: '7s', timeout: '3s' }]);
    expect(items(createRun(input(checklist), T0))).toStrictEqual([
      { id: 'db', kind: 'check', title: 'DB', state: 'pending', probe: { type: 'tcp', host: 'db', port: 5432 }, retries: 4, intervalMs: 7000, timeoutMs: 3000, attempts: 0 },
    ]);
    for (const [field, message] of [
      ['interval', 'The interval of "db" "x" is not a duration.'],
      ['timeout', 'The timeout of "db" "x" is not a duration.'],
    ] as const) {
      const bad = structuredClone(checklist);
      const check = bad.phases[0]!.items[0]!;
      if (check.kind === 'check') check[field] = 'x';
      expect(refusal(() => createRun(input(bad), T0)).message).toBe(message);
    }
  });
});

describe('toRunItem: steps', () => {
  it('keeps a title the checklist gives, for every action', () => {
    const actions = [
      { action: 'set-image' },
      { action: 'wait-rollout' },
      { action: 'canary' },
      { action: 'traffic', weight: 10 },
      { action: 'bake', duration: '1m' },
      { action: 'promote' },
      { action: 'smoke-job', image: 'registry/smoke:1' },
    ];
    const run = createRun(input(onlyPhase(actions.map((step, i) => ({ id: `s${i}`, kind: 'step', title: `Own ${step.action}`, ...step })))), T0);
    expect(items(run).map((step) => step.title)).toEqual(actions.map((step) => `Own ${step.action}`));
  });

  it('words a canary of several replicas in the plural', () => {
    const run = createRun(input(onlyPhase([{ id: 'c', kind: 'step', action: 'canary', replicas: 3 }])), T0);
    expect(items(run)[0]?.title).toBe('Start a canary of registry/api:2.0.0 (3 replicas)');
  });

  it('a smoke job carries command, args, env and service account only when the checklist sets them', () => {
    const full = { id: 'full', kind: 'step', action: 'smoke-job', image: 'registry/smoke:1', command: ['./smoke'], args: ['--fast'], env: { URL: 'http://api' }, serviceAccount: 'smoke-runner', timeout: '2m' };
    const bare = { id: 'bare', kind: 'step', action: 'smoke-job', image: 'registry/smoke:1' };
    expect(items(createRun(input(onlyPhase([full, bare])), T0))).toStrictEqual([
      {
        id: 'full',
        kind: 'step',
        state: 'pending',
        action: 'smoke-job',
        title: 'Run smoke job (registry/smoke:1)',
        job: { image: 'registry/smoke:1', command: ['./smoke'], args: ['--fast'], env: { URL: 'http://api' }, serviceAccount: 'smoke-runner' },
        timeoutMs: 2 * MIN,
      },
      { id: 'bare', kind: 'step', state: 'pending', action: 'smoke-job', title: 'Run smoke job (registry/smoke:1)', job: { image: 'registry/smoke:1' }, timeoutMs: 5 * MIN },
    ]);
  });

  it('names the step whose timeout or duration is not one', () => {
    const checklist = onlyPhase([
      { id: 'w', kind: 'step', action: 'wait-rollout' },
      { id: 'b', kind: 'step', action: 'bake', duration: '1m' },
    ]);
    const badTimeout = structuredClone(checklist);
    const wait = badTimeout.phases[0]!.items[0]!;
    if (wait.kind === 'step' && wait.action === 'wait-rollout') wait.timeout = 'long';
    expect(refusal(() => createRun(input(badTimeout), T0)).message).toBe('The timeout of "w" "long" is not a duration.');
    const badDuration = structuredClone(checklist);
    const bake = badDuration.phases[0]!.items[1]!;
    if (bake.kind === 'step' && bake.action === 'bake') bake.duration = 'a while';
    expect(refusal(() => createRun(input(badDuration), T0)).message).toBe('The duration of "b" "a while" is not a duration.');
  });
});
