import { describe, expect, it } from 'vitest';
import { createGate } from '../../src/auth/gate.js';
import { decide, GATE_RULES, RULES, type GateAction, type GateFacts, type RuleName } from '../../src/auth/gate-rules.js';
import type { AuditEntry, Run } from '../../src/run/core/run-schema.js';
import { runOf } from './render-fixtures.js';

const CHECKLIST = {
  name: 'gate',
  distinctSigners: true,
  roles: { sre: 'on call', lead: 'tech lead', security: 'security' },
  phases: [
    {
      id: 'pre',
      title: 'Pre',
      items: [
        { id: 'free', kind: 'manual', title: 'Anyone' },
        { id: 'sre-box', kind: 'manual', title: 'SRE checks', role: 'sre' },
        { id: 'own-box', kind: 'manual', title: 'SRE, requester too', role: 'sre', requesterMayTick: true },
        { id: 'lead-ok', kind: 'signoff', title: 'Lead approves', role: 'lead' },
        { id: 'sec-ok', kind: 'signoff', title: 'Security approves', role: 'security' },
      ],
    },
  ],
};

const ENVIRONMENT = { deployers: ['deployer'], rollbackers: ['sre'] };

function deployRun(overrides: Partial<Run> = {}): Run {
  return { ...runOf(CHECKLIST), state: 'waiting', ...overrides };
}

function withApproval(run: Run, itemId: string, by: string): Run {
  const copy = structuredClone(run);
  const item = copy.phases[0]!.items.find((candidate) => candidate.id === itemId)!;
  if (item.kind === 'signoff') item.approvals.push({ by, at: 0 });
  return copy;
}

function facts(overrides: Partial<GateFacts>): GateFacts {
  return { userId: 'UX', roles: [], environmentName: 'production', environment: ENVIRONMENT, run: deployRun(), ...overrides };
}

const rollbackRun = deployRun({ kind: 'rollback', id: '50' });
const other = deployRun({ id: '43', version: '3.0.0' });

// [what, action, facts, the rule that refuses (null: allowed)]
const TABLE: Array<[string, GateAction, Partial<GateFacts>, RuleName | null]> = [
  ['a deployer deploys', 'deploy.start', { roles: ['deployer'], run: null }, null],
  ['a rollbacker may not deploy', 'deploy.start', { roles: ['sre'], run: null }, 'deployer'],
  ['a deployer asks for a dry run', 'deploy.dry-run', { roles: ['deployer'], run: null }, null],
  ['a rollbacker may not ask for a deploy\'s dry run', 'deploy.dry-run', { roles: ['sre'], run: null }, 'deployer'],
  ['an environment gone from the catalog refuses everyone', 'target.lock', { roles: ['deployer'], environment: undefined, run: null }, 'environment-known'],
  ['a deployer pauses a deploy run', 'run.pause', { roles: ['deployer'] }, null],
  ['a deployer may not pause a rollback run', 'run.pause', { roles: ['deployer'], run: rollbackRun }, 'run-operator'],
  ['a rollbacker aborts a rollback run', 'run.abort', { roles: ['sre'], run: rollbackRun }, null],
  ['a rollbacker resumes a rollback run', 'run.resume', { roles: ['sre'], run: rollbackRun }, null],
  ['a rollbacker may not cancel a deploy run', 'run.cancel', { roles: ['sre'] }, 'run-operator'],
  ['a missing run is refused', 'run.start', { roles: ['deployer'], run: null, runId: '99' }, 'run-exists'],
  ['anyone ticks an item without a role', 'item.tick', { itemId: 'free', userId: 'UREQ' }, null],
  ['a role item needs the role', 'item.tick', { itemId: 'sre-box', roles: ['lead'] }, 'may-tick'],
  ['the requester may not tick a role item', 'item.tick', { itemId: 'sre-box', userId: 'UREQ', roles: ['sre'] }, 'may-tick'],
  ['the requester ticks a role item that allows it', 'item.tick', { itemId: 'own-box', userId: 'UREQ', roles: ['sre'] }, null],
  ['a sign-off needs its role', 'item.approve', { itemId: 'lead-ok', roles: ['sre'] }, 'may-approve'],
  ['four eyes: the requester may not approve', 'item.approve', { itemId: 'lead-ok', userId: 'UREQ', roles: ['lead'] }, 'may-approve'],
  ['a lead approves', 'item.approve', { itemId: 'lead-ok', roles: ['lead', 'security'] }, null],
  ['distinct signers: one person, one sign-off', 'item.approve', { itemId: 'sec-ok', roles: ['lead', 'security'], run: withApproval(deployRun(), 'lead-ok', 'UX') }, 'may-approve'],
  ['a rollbacker undoes the run holding the lock', 'rollback.request', { roles: ['sre'], lockHolder: deployRun(), newest: deployRun() }, null],
  ['a deployer may not roll back', 'rollback.request', { roles: ['deployer'], lockHolder: null, newest: deployRun() }, 'rollbacker'],
  ['an older run may not be undone while another deploy holds the lock', 'rollback.request', { roles: ['sre'], lockHolder: other, newest: other }, 'undoes-current-run'],
  ['an older run may not be undone when it is not the newest', 'rollback.confirm', { roles: ['sre'], lockHolder: null, newest: other }, 'undoes-current-run'],
  ['the newest finished run may be undone', 'rollback.confirm', { roles: ['sre'], lockHolder: null, newest: deployRun() }, null],
  ['nothing while another rollback is in flight', 'rollback.request', { roles: ['sre'], run: null, lockHolder: rollbackRun, newest: rollbackRun }, 'undoes-current-run'],
  ['a named run that is gone is refused', 'rollback.confirm', { roles: ['sre'], run: null, runId: '7', lockHolder: null, newest: null }, 'named-run-exists'],
  ['the service as it stands may be rolled back', 'rollback.request', { roles: ['sre'], run: null, lockHolder: null, newest: other }, null],
  ['acknowledge needs the rollback role', 'incident.acknowledge', { roles: ['deployer'], incidentOpen: true }, 'rollbacker'],
  ['acknowledge needs an incident', 'incident.acknowledge', { roles: ['sre'], incidentOpen: false }, 'incident-exists'],
  ['a rollbacker acknowledges an open incident', 'incident.acknowledge', { roles: ['sre'], incidentOpen: true }, null],
  ['acknowledge of a missing run is refused', 'incident.acknowledge', { roles: ['sre'], run: null, runId: '9', incidentOpen: false }, 'run-exists'],
];

describe('the gate rule table', () => {
  it.each(TABLE)('%s', (_what, action, overrides, refusedBy) => {
    const refused = decide(action, facts(overrides));
    expect(refused?.rule ?? null).toBe(refusedBy);
  });

  it('names the run in progress when an older run would be undone beside it', () => {
    const refused = decide('rollback.request', facts({ roles: ['sre'], lockHolder: other, newest: other }));
    expect(refused?.error).toMatchObject({ code: 'target-locked', message: expect.stringContaining('Run #43 (`3.0.0`') });
  });

  it('quotes a run id from a click payload as typed, never as Slack markup', () => {
    const refused = decide('run.start', facts({ roles: ['deployer'], run: null, runId: '<!date^1700000000^{date}|now>' }));
    expect(refused?.error.message).toBe('Run #&lt;!date^1700000000^{date}|now&gt; does not exist (any more).');
  });

  it('describes every rule it uses, and every action has at least one rule', () => {
    for (const [action, rules] of Object.entries(GATE_RULES)) {
      expect(rules.length, action).toBeGreaterThan(0);
      for (const rule of rules) expect(RULES[rule].says.length, rule).toBeGreaterThan(10);
    }
  });
});

describe('createGate', () => {
  function gateWith(stored: Run, roles: Record<string, string[]>) {
    const audit: AuditEntry[] = [];
    const gate = createGate({
      config: { catalog: { environments: { production: ENVIRONMENT, staging: { rollbackers: ['staging-sre'] } } } },
      store: {
        get: async (id) => (id === stored.id ? stored : null),
        activeRunFor: async () => null,
        history: async () => [stored],
        auditOnly: async (entry) => audit.push(entry) > 0,
      },
      roles: { rolesOf: async (user) => roles[user] ?? [] },
      now: () => 123,
      incidentExists: async () => false,
    });
    return { gate, audit };
  }

  it("decides on the stored run's environment, whatever environment the request names, and audits the refusal", async () => {
    const { gate, audit } = gateWith(deployRun(), { USTAGING: ['staging-sre'] });
    await expect(
      gate.authorize({ action: 'rollback.confirm', userId: 'USTAGING', via: 'modal', what: 'rollback of run 42', runId: '42', target: { service: 'api', environment: 'staging' } }),
    ).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('roll back in production') });
    expect(audit).toEqual([
      { run: '42', actor: 'USTAGING', action: 'action.refused', detail: expect.stringMatching(/^rollback of run 42: .*\[rollback\.confirm: rollbacker\]$/), at: 123 },
    ]);
  });

  it('returns the stored run and the roles when allowed, auditing nothing', async () => {
    const { gate, audit } = gateWith(deployRun(), { USRE: ['sre'] });
    const decision = await gate.authorize({ action: 'rollback.confirm', userId: 'USRE', via: 'modal', what: 'x', runId: '42', target: { service: 'api', environment: 'staging' } });
    expect(decision).toMatchObject({ environment: 'production', roles: ['sre'], run: { id: '42' } });
    expect(audit).toEqual([]);
  });

  it('audits a refused command as command.refused', async () => {
    const { gate, audit } = gateWith(deployRun(), {});
    await expect(gate.authorize({ action: 'run.cancel', userId: 'UX', via: 'command', what: '/deploy cancel 42', runId: '42' })).rejects.toMatchObject({ code: 'forbidden' });
    expect(audit.map((entry) => entry.action)).toEqual(['command.refused']);
  });
});
