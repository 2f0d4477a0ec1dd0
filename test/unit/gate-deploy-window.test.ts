import { describe, expect, it } from 'vitest';
import { decide, GATE_RULES, type GateFacts } from '../../src/auth/gate-rules.js';

const base: GateFacts = { userId: 'U1', roles: ['deployers'], environmentName: 'production', environment: { deployers: ['deployers'] }, run: null };
const OPENS = Date.parse('2026-12-14T08:00:00Z');

describe('the deploy-window rule', () => {
  it('lets a deploy through when the environment is open, or has no windows at all', () => {
    expect(decide('deploy.start', { ...base, window: { open: true } })).toBeNull();
    expect(decide('deploy.start', base)).toBeNull();
  });

  it('never holds a dry run: it changes nothing, and its plan shows the window and the freeze', () => {
    const frozen: GateFacts = { ...base, window: { open: false, kind: 'frozen', freeze: { from: 0, until: OPENS, reason: 'soak', by: 'U0ALICE' }, opensAt: OPENS } };
    expect(decide('deploy.start', frozen)?.rule).toBe('deploy-window');
    expect(decide('deploy.dry-run', frozen)).toBeNull();
    expect(GATE_RULES['deploy.dry-run']).not.toContain('deploy-window');
  });

  it('refuses outside the windows with when they open, in the zone and in the reader’s own', () => {
    const refused = decide('deploy.start', { ...base, window: { open: false, kind: 'outside-window', opensAt: OPENS, timeZone: 'Europe/Berlin' } });
    expect(refused?.rule).toBe('deploy-window');
    expect(refused?.error.code).toBe('deploy-window-closed');
    expect(refused?.error.message).toBe(
      'production takes deployments only inside its deploy windows, and this is outside them. Deployments open again Mon 2026-12-14 09:00 Europe/Berlin (<!date^1797235200^{date_short_pretty} {time} your time|Mon 2026-12-14 09:00 Europe/Berlin>). Nothing was started.',
    );
  });

  it('refuses in a freeze naming who declared it and why; a catalog freeze names nobody', () => {
    const declared = decide('deploy.start', { ...base, window: { open: false, kind: 'frozen', freeze: { from: 0, until: OPENS, reason: 'soak', by: 'U0ALICE' }, opensAt: OPENS } });
    expect(declared?.error.code).toBe('deploy-frozen');
    expect(declared?.error.message).toMatch(/^production is frozen by <@U0ALICE> until Mon 2026-12-14 08:00 UTC .*: soak\. Deployments open again/);
    expect(declared?.error.remedy).toContain('/deploy unfreeze <environment>');
    const catalog = decide('deploy.start', { ...base, window: { open: false, kind: 'frozen', freeze: { from: 0, until: OPENS, reason: 'Year-end' }, opensAt: undefined } });
    expect(catalog?.error.message).toMatch(/^production is frozen until .*: Year-end\. No opening is in sight in the next 60 days\./);
    expect(catalog?.error.remedy).toContain('This freeze is in the catalog');
  });

  it('is never asked for a rollback: rollbacks run in any window and any freeze', () => {
    for (const action of ['rollback.request', 'rollback.confirm', 'incident.rollback'] as const) expect(GATE_RULES[action]).not.toContain('deploy-window');
    const closed = { ...base, roles: ['deployers'], window: { open: false, kind: 'outside-window', opensAt: OPENS, timeZone: 'UTC' } } as const;
    expect(decide('rollback.request', closed)).toBeNull();
  });

  it('checks the role before the window: someone who may not deploy is told that, not when to come back', () => {
    const refused = decide('deploy.start', { ...base, roles: [], window: { open: false, kind: 'outside-window', opensAt: OPENS, timeZone: 'UTC' } });
    expect(refused?.rule).toBe('deployer');
  });

  it('lets freezers (else deployers) freeze and unfreeze', () => {
    expect(decide('env.freeze', { ...base, roles: ['deployers'] })).toBeNull();
    expect(decide('env.freeze', { ...base, environment: { deployers: ['deployers'], freezers: ['leads'] } })?.error.message).toContain('that needs the role `leads`');
    expect(decide('env.unfreeze', { ...base, roles: ['leads'], environment: { freezers: ['leads'] } })).toBeNull();
  });
});
