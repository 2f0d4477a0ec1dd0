import { describe, expect, it } from 'vitest';
import { decide, type GateFacts, RULES } from '../../src/auth/gate-rules.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { runOf } from './render-fixtures.js';

// The rules' refusals in their words: API tokens' scopes, the emergency override, the role lists' defaults,
// and each rule on its own (a rule answers for any facts, not only those that pass the rules before it).

const base: GateFacts = { userId: 'U1', roles: ['deployers'], environmentName: 'production', environment: { deployers: ['deployers'] }, run: null };
const CHECKLIST = { name: 'gate', phases: [{ id: 'pre', title: 'Pre', items: [{ id: 'free', kind: 'manual', title: 'Anyone' }] }] };
const run = (overrides: Partial<Run> = {}): Run => ({ ...runOf(CHECKLIST), state: 'waiting', ...overrides });

describe('an API token acting without a service named', () => {
  const token: GateFacts = { ...base, userId: 'api:ci', roles: [], scopes: { services: ['api'], environments: ['production'] } };

  it('is refused a deploy, saying the service is empty', () => {
    expect(decide('deploy.start', token)?.error.message).toBe('The API token `ci` may not deploy  in production: its scopes cover the services `api` in the environments `production`.');
  });

  it('is refused a rollback in the same words, saying "roll back"', () => {
    const refused = decide('rollback.request', token);
    expect(refused?.rule).toBe('rollbacker');
    expect(refused?.error.message).toBe('The API token `ci` may not roll back  in production: its scopes cover the services `api` in the environments `production`.');
  });

  it('rolls back where its scopes reach', () => {
    expect(decide('rollback.request', { ...token, serviceName: 'api' })).toBeNull();
  });

  it('turns a broken check into a thrown error, not a refusal', () => {
    const broken = { ...token, scopes: { environments: ['production'] } } as unknown as GateFacts;
    expect(() => decide('deploy.start', broken)).toThrow(TypeError);
  });
});

describe('the emergency override', () => {
  it('is refused where the environment has none, naming it', () => {
    const refused = decide('deploy.emergency', base);
    expect(refused?.rule).toBe('emergency-deployer');
    expect(refused?.error.code).toBe('forbidden');
    expect(refused?.error.message).toBe('production has no emergency override, so `--emergency` cannot start a deploy there. Nothing was started.');
  });

  it("needs one of the override's deployers roles, not the environment's", () => {
    const environment = { deployers: ['deployers'], emergency: { deployers: ['oncall'], approver: 'leads' } };
    expect(decide('deploy.emergency', { ...base, environment })?.error.message).toBe('You may not deploy to production: that needs the role `oncall`.');
    expect(decide('deploy.emergency', { ...base, roles: ['oncall'], environment })).toBeNull();
  });
});

describe('the role lists', () => {
  it('let anyone roll back or freeze where the environment lists no roles at all', () => {
    expect(decide('rollback.request', { ...base, roles: [], environment: {} })).toBeNull();
    expect(decide('env.freeze', { ...base, roles: [], environment: {} })).toBeNull();
  });

  it('need one of the listed roles, not all of them, and say what was refused', () => {
    const environment = { deployers: ['deployers', 'leads'], freezers: ['leads', 'sre'] };
    expect(decide('deploy.start', { ...base, environment })).toBeNull();
    expect(decide('env.freeze', { ...base, roles: ['sre'], environment })).toBeNull();
    expect(decide('env.freeze', { ...base, environment })?.error.message).toBe('You may not freeze or unfreeze production: that needs one of the roles `leads`, `sre`.');
  });
});

describe('each rule on its own', () => {
  it('says "?" for a run action that named no run', () => {
    expect(decide('run.pause', base)?.error.message).toBe('Run #? does not exist (any more).');
  });

  it('names an empty item id when an item action names none', () => {
    expect(decide('item.tick', { ...base, run: run() })?.error.message).toBe('Run #42 has no item ``.');
  });

  it('without a run: an operator is judged as a deployer, an item and an incident are not found', () => {
    expect(RULES['run-operator'].refuse({ ...base, roles: [] })?.message).toBe('You may not deploy to production: that needs the role `deployers`.');
    expect(RULES['may-tick'].refuse({ ...base, itemId: 'free' })?.message).toBe('Run #? has no item `free`.');
    expect(RULES['incident-exists'].refuse(base)?.message).toBe('There is no incident of run #? for that guard to acknowledge.');
  });

  it('refuses an emergency without an environment as not configured', () => {
    expect(RULES['emergency-deployer'].refuse({ ...base, environment: undefined })?.message).toMatch(/^production has no emergency override/);
  });
});
