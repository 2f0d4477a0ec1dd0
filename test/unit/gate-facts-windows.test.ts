import { describe, expect, it } from 'vitest';
import type { ApiScopes } from '../../src/config/api-tokens.js';
import { createGate, type GateRequest, type GateServices } from '../../src/auth/gate.js';
import { WEEKDAYS } from '../../src/deploy-windows/deploy-window-schema.js';
import type { ActiveFreeze } from '../../src/deploy-windows/window-state.js';
import type { AuditEntry } from '../../src/run/core/run-schema.js';

// What createGate reads for a deploy (the windows, the catalog's freezes in the windows' zone, a declared
// freeze), how it audits a refusal by the way the request arrived, and that an API token is judged by its
// scopes, never by roles. auth-gate-facts.test.ts covers the run, lock and incident facts.

// 2026-12-19 12:00 UTC is already 2026-12-20 01:00 in Auckland (UTC+13 in December).
const NOW = Date.parse('2026-12-19T12:00:00Z');
const ALWAYS = { days: [...WEEKDAYS], from: '00:00', to: '24:00' };

type Environments = GateServices['config']['catalog']['environments'];

function gateOver(environments: Environments, extra: { freeze?: ActiveFreeze & { by: string } } = {}) {
  const audit: AuditEntry[] = [];
  const asked: string[] = [];
  const gate = createGate({
    config: { catalog: { environments } },
    store: {
      get: async () => null,
      activeRunFor: async (service, environment) => {
        asked.push(`activeRunFor ${service}|${environment}`);
        return null;
      },
      history: async () => [],
      auditOnly: async (entry) => audit.push(entry) > 0,
    },
    roles: {
      rolesOf: async (user) => {
        asked.push(`rolesOf ${user}`);
        return ['deployers'];
      },
    },
    now: () => NOW,
    ...('freeze' in extra
      ? {
          freezes: {
            active: async (environment: string, now: number) => {
              asked.push(`freezes ${environment} ${now}`);
              return extra.freeze;
            },
          },
        }
      : {}),
  });
  return { gate, audit, asked };
}

function deploy(overrides: Partial<GateRequest> = {}): GateRequest {
  return { action: 'deploy.start', userId: 'U1', via: 'command', what: '/deploy api 1.0.0', target: { service: 'api', environment: 'production' }, ...overrides };
}

const yearEnd = [{ from: '2026-12-20', until: '2026-12-21', reason: 'Year-end' }];

describe('createGate reads windows and freezes for a deploy', () => {
  it("reads the catalog's freeze dates in the windows' time zone", async () => {
    const { gate, audit } = gateOver({ production: { deployWindows: { timeZone: 'Pacific/Auckland', allow: [ALWAYS] }, freezes: yearEnd } });
    await expect(gate.authorize(deploy())).rejects.toMatchObject({ code: 'deploy-frozen', message: expect.stringMatching(/^production is frozen until .*: Year-end\./) });
    expect(audit).toEqual([
      { run: '', actor: 'U1', action: 'command.refused', detail: expect.stringMatching(/^\/deploy api 1\.0\.0: production is frozen until .*\[deploy\.start: deploy-window\]$/), at: NOW },
    ]);
  });

  it('reads them in UTC when the environment has no windows', async () => {
    const { gate } = gateOver({ production: { freezes: yearEnd }, staging: { freezes: [{ from: '2026-12-19', until: '2026-12-20', reason: 'Soak' }] } });
    // In UTC the year-end freeze has not begun yet; the staging one (all of Dec 19 UTC) has.
    await expect(gate.authorize(deploy())).resolves.toEqual({ run: null, environment: 'production', roles: ['deployers'] });
    await expect(gate.authorize(deploy({ target: { service: 'api', environment: 'staging' } }))).rejects.toMatchObject({ code: 'deploy-frozen', message: expect.stringContaining(': Soak.') });
  });

  it('refuses outside the windows, and allows a dry run there', async () => {
    const { gate } = gateOver({ production: { deployWindows: { timeZone: 'UTC', allow: [{ days: ['mon'], from: '09:00', to: '17:00' }] } } });
    await expect(gate.authorize(deploy())).rejects.toMatchObject({ code: 'deploy-window-closed' });
    await expect(gate.authorize(deploy({ action: 'deploy.dry-run' }))).resolves.toMatchObject({ environment: 'production' });
  });

  it('asks the freezes service about the environment at the gate clock, and refuses in the freeze it declares', async () => {
    const freeze = { from: NOW - 1000, until: NOW + 3_600_000, reason: 'incident review', by: 'U0ALICE' };
    const { gate, asked } = gateOver({ production: {} }, { freeze });
    await expect(gate.authorize(deploy())).rejects.toMatchObject({ code: 'deploy-frozen', message: expect.stringMatching(/^production is frozen by <@U0ALICE> until .*: incident review\./) });
    expect(asked).toContain(`freezes production ${NOW}`);
  });

  it('deploys when the freezes service knows no freeze, and reads only the catalog without that service', async () => {
    await expect(gateOver({ production: {} }, { freeze: undefined as never }).gate.authorize(deploy())).resolves.toMatchObject({ environment: 'production' });
    await expect(gateOver({ production: {} }).gate.authorize(deploy())).resolves.toMatchObject({ environment: 'production' });
  });

  it('names the missing environment when a request names neither a run nor a target, and looks up the empty target', async () => {
    const { gate, asked } = gateOver({ production: {} });
    await expect(gate.authorize({ action: 'deploy.start', userId: 'U1', via: 'button', what: 'deploy' })).rejects.toMatchObject({
      message: 'The environment `` is not in the catalog, so nobody may act on it from Slack.',
    });
    await expect(gate.authorize({ action: 'rollback.request', userId: 'U1', via: 'button', what: 'rollback' })).rejects.toMatchObject({ code: 'forbidden' });
    expect(asked).toContain('activeRunFor |');
  });
});

describe('createGate audits a refusal by how the request arrived', () => {
  it.each([
    ['command', 'command.refused'],
    ['button', 'action.refused'],
    ['modal', 'action.refused'],
  ] as const)('%s → %s', async (via, action) => {
    const { gate, audit } = gateOver({ production: { deployers: ['leads'] } });
    await expect(gate.authorize(deploy({ via, what: 'deploy api' }))).rejects.toMatchObject({ code: 'forbidden' });
    expect(audit).toEqual([{ run: '', actor: 'U1', action, detail: 'deploy api: You may not deploy to production: that needs the role `leads`. [deploy.start: deployer]', at: NOW }]);
  });
});

describe('createGate judges an API token by its scopes, not by roles', () => {
  const scopes = (services: string[]): ApiScopes => ({ services, environments: ['production'] });

  it('allows a token its scopes cover without asking for roles, and hands back no roles', async () => {
    const { gate, asked } = gateOver({ production: { deployers: ['deployers'] } });
    await expect(gate.authorize(deploy({ userId: 'api:ci', via: 'api', scopes: scopes(['api']) }))).resolves.toEqual({ run: null, environment: 'production', roles: [] });
    expect(asked.filter((line) => line.startsWith('rolesOf'))).toEqual([]);
  });

  it('refuses a token its scopes do not cover, though anyone may deploy there, and audits it as api.refused', async () => {
    const { gate, audit } = gateOver({ production: {} });
    await expect(gate.authorize(deploy({ userId: 'api:ci', via: 'api', what: 'POST /deploys', scopes: scopes(['web']) }))).rejects.toMatchObject({ code: 'forbidden' });
    expect(audit).toEqual([
      {
        run: '',
        actor: 'api:ci',
        action: 'api.refused',
        detail: 'POST /deploys: The API token `ci` may not deploy api in production: its scopes cover the services `web` in the environments `production`. [deploy.start: deployer]',
        at: NOW,
      },
    ]);
  });
});
