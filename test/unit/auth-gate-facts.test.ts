import { describe, expect, it } from 'vitest';
import { createGate, type GateRequest } from '../../src/auth/gate.js';
import { decide } from '../../src/auth/gate-rules.js';
import type { AuditEntry, Run } from '../../src/run/core/run-schema.js';
import { runOf } from './render-fixtures.js';

// What the gate reads before it decides (the stored run, the target's lock holder and history, an open
// incident) and what its refusals say; auth-gate.test.ts holds the rule table itself.

const CHECKLIST = {
  name: 'gate',
  phases: [{ id: 'pre', title: 'Pre', items: [{ id: 'free', kind: 'manual', title: 'Anyone' }] }],
};

function stored(overrides: Partial<Run> = {}): Run {
  return { ...runOf(CHECKLIST), state: 'waiting', ...overrides };
}

interface World {
  runs?: Run[];
  lockHolder?: Run | null;
  history?: Run[];
  incidents?: string[];
  withIncidents?: boolean;
}

function gateOver(world: World) {
  const audit: AuditEntry[] = [];
  const asked: string[] = [];
  const gate = createGate({
    config: { catalog: { environments: { production: { rollbackers: ['sre'] }, staging: {} } } },
    store: {
      get: async (id) => world.runs?.find((run) => run.id === id) ?? null,
      activeRunFor: async (service, environment) => {
        asked.push(`activeRunFor ${service} ${environment}`);
        return world.lockHolder ?? null;
      },
      history: async (service, environment, count) => {
        asked.push(`history ${service} ${environment} ${count}`);
        return world.history ?? [];
      },
      auditOnly: async (entry) => audit.push(entry) > 0,
    },
    roles: { rolesOf: async (user) => (user === 'USRE' ? ['sre'] : []) },
    now: () => 77,
    ...(world.withIncidents === false
      ? {}
      : {
          incidentExists: async (runId: string, guardId: string) => {
            asked.push(`incident ${runId} ${guardId}`);
            return world.incidents?.includes(`${runId}/${guardId}`) ?? false;
          },
        }),
  });
  return { gate, audit, asked };
}

function request(overrides: Partial<GateRequest>): GateRequest {
  return { action: 'run.pause', userId: 'USRE', via: 'button', what: 'run.pause', ...overrides };
}

describe('createGate reads the facts its rules need', () => {
  it("asks for the lock holder and newest run of the stored run's target, and refuses undoing a run another deploy overtook", async () => {
    const holder = stored({ id: '43', version: '3.0.0', state: 'running' });
    const { gate, audit, asked } = gateOver({ runs: [stored()], lockHolder: holder, history: [holder] });
    await expect(gate.authorize(request({ action: 'rollback.request', runId: '42', via: 'command', what: '/rollback api', target: { service: 'web', environment: 'staging' } }))).rejects.toMatchObject({
      code: 'target-locked',
      message: 'Run #43 (`3.0.0`, requested by <@UREQ>, running) is in progress on `api` in production, so run #42 cannot be rolled back now.',
      remedy: "Use run #43's own Pause or Abort buttons in its message, or `/rollback api production` to undo run #43.",
    });
    expect(asked).toEqual(['activeRunFor api production', 'history api production 1']);
    expect(audit).toEqual([{ run: '42', actor: 'USRE', action: 'command.refused', detail: expect.stringMatching(/^\/rollback api: Run #43 .*\[rollback\.request: undoes-current-run\]$/), at: 77 }]);
  });

  it('decides on the run the request already read with its claim, without reading it again', async () => {
    const { gate } = gateOver({ runs: [stored({ environment: 'production' })] });
    const read = stored({ environment: 'staging' });
    const decision = await gate.authorize(request({ action: 'run.pause', runId: '42', read: () => read }));
    expect(decision).toEqual({ run: read, environment: 'staging', roles: ['sre'] });
    const { gate: bare } = gateOver({ runs: [stored()] });
    await expect(bare.authorize(request({ action: 'run.pause', runId: '42', read: () => null }))).rejects.toMatchObject({ code: 'run-not-found' });
  });

  it('reads the target the request names when it names no run, and allows rolling back the service as it stands', async () => {
    const { gate, asked } = gateOver({ history: [stored({ id: '40' })] });
    const decision = await gate.authorize(request({ action: 'rollback.request', target: { service: 'api', environment: 'production' } }));
    expect(decision).toEqual({ run: null, environment: 'production', roles: ['sre'] });
    expect(asked).toEqual(['activeRunFor api production', 'history api production 1']);
  });

  it('refuses a rollback while another rollback holds the target, saying what to wait for', async () => {
    const { gate } = gateOver({ lockHolder: stored({ id: '50', kind: 'rollback' }) });
    await expect(gate.authorize(request({ action: 'rollback.request', target: { service: 'api', environment: 'production' } }))).rejects.toMatchObject({
      code: 'target-locked',
      message: '`api` in production is already being rolled back by run #50.',
      remedy: 'Wait for that rollback to finish; its result is in its thread.',
    });
  });

  it('refuses undoing a finished run that is no longer the newest, naming the one that came after', async () => {
    const { gate } = gateOver({ runs: [stored({ state: 'succeeded' })], history: [stored({ id: '44' })] });
    await expect(gate.authorize(request({ action: 'rollback.confirm', runId: '42' }))).rejects.toMatchObject({
      code: 'target-locked',
      message: 'Run #42 is no longer the newest run of `api` in production: run #44 came after it.',
      remedy: 'Use `/rollback api production` to roll back what runs now, or `to <revision>` for a chosen revision.',
    });
  });

  it('reads no lock holder or history for an action without the undo rule', async () => {
    const { gate, asked } = gateOver({ runs: [stored()] });
    await gate.authorize(request({ action: 'run.pause', runId: '42' }));
    expect(asked).toEqual([]);
  });

  it('asks whether an incident is open for the run and guard being acknowledged', async () => {
    const { gate, asked } = gateOver({ runs: [stored()], incidents: ['42/error-rate'] });
    await expect(gate.authorize(request({ action: 'incident.acknowledge', runId: '42', guardId: 'error-rate' }))).resolves.toMatchObject({ run: { id: '42' } });
    await expect(gate.authorize(request({ action: 'incident.acknowledge', runId: '42', guardId: 'latency' }))).rejects.toMatchObject({
      code: 'forbidden',
      message: 'There is no incident of run #42 for that guard to acknowledge.',
    });
    expect(asked).toEqual(['incident 42 error-rate', 'incident 42 latency']);
  });

  it('counts no incident as open without a guard, for another action, or without a way to look', async () => {
    const { gate, asked } = gateOver({ runs: [stored()], incidents: ['42/error-rate'] });
    await expect(gate.authorize(request({ action: 'incident.acknowledge', runId: '42' }))).rejects.toMatchObject({ code: 'forbidden' });
    await gate.authorize(request({ action: 'incident.rollback', runId: '42', guardId: 'error-rate' }));
    expect(asked.filter((line) => line.startsWith('incident'))).toEqual([]);
    const blind = gateOver({ runs: [stored()], incidents: ['42/error-rate'], withIncidents: false });
    await expect(blind.gate.authorize(request({ action: 'incident.acknowledge', runId: '42', guardId: 'error-rate' }))).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('audits a refusal for a run that is gone under the id asked for, and says where to look', async () => {
    const { gate, audit } = gateOver({});
    await expect(gate.authorize(request({ runId: '99' }))).rejects.toMatchObject({
      code: 'run-not-found',
      message: 'Run #99 does not exist (any more).',
      remedy: '`/deploy status` lists the active runs.',
    });
    await expect(gate.authorize(request({ action: 'deploy.start', target: { service: 'api', environment: 'qa' } }))).rejects.toMatchObject({
      code: 'forbidden',
      message: 'The environment `qa` is not in the catalog, so nobody may act on it from Slack.',
    });
    expect(audit.map((entry) => entry.run)).toEqual(['99', '']);
  });

  it('refuses a rollback that names a run that is gone, and a tick of an item the run does not have', async () => {
    const { gate } = gateOver({ runs: [stored()] });
    await expect(gate.authorize(request({ action: 'rollback.confirm', runId: '7' }))).rejects.toMatchObject({ code: 'run-not-found', message: 'Run #7 does not exist (any more).' });
    await expect(gate.authorize(request({ action: 'item.tick', runId: '42', itemId: 'nope' }))).rejects.toMatchObject({ code: 'item-not-found', message: 'Run #42 has no item `nope`.' });
    await expect(gate.authorize(request({ action: 'item.tick', runId: '42', itemId: 'free' }))).resolves.toMatchObject({ run: { id: '42' } });
  });

  it('decides a request without a run in the environment its target names', async () => {
    const { gate } = gateOver({});
    await expect(gate.authorize(request({ action: 'target.lock', userId: 'UANY', target: { service: 'api', environment: 'staging' } }))).resolves.toEqual({ run: null, environment: 'staging', roles: [] });
  });
});

describe('the undo rule', () => {
  const base = { userId: 'USRE', roles: ['sre'], environmentName: 'production', environment: { rollbackers: ['sre'] }, run: stored() };

  it('lets the run holding the lock be undone whatever the history says', () => {
    expect(decide('rollback.request', { ...base, lockHolder: stored(), newest: stored({ id: '44' }) })).toBeNull();
  });

  it('lets a named run be undone when the target has no history', () => {
    expect(decide('rollback.request', { ...base, lockHolder: null, newest: null })).toBeNull();
  });
});
