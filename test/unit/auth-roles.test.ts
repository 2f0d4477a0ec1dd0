import { describe, expect, it } from 'vitest';
import { canDeploy, canRollback } from '../../src/auth/authorize.js';
import { createRoleResolver } from '../../src/auth/role-resolver.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';

const catalog = {
  roles: {
    deployer: { users: ['U1'], groups: ['SDEV'] },
    security: { groups: ['SSEC'] },
    oncall: { users: ['U3'] },
  },
};

function world() {
  const members: Record<string, string[]> = { SDEV: ['U2'], SSEC: ['U2', 'U4'] };
  const calls: string[] = [];
  let failing = false;
  let clock = 0;
  const warnings: string[] = [];
  const resolver = createRoleResolver({
    catalog,
    listGroupMembers: async (group) => {
      calls.push(group);
      if (failing) throw new Error('slack down');
      return members[group] ?? [];
    },
    now: () => clock,
    ttlMs: 1000,
    logger: { warn: (_obj: unknown, msg?: string) => void warnings.push(msg ?? '') },
  });
  return {
    resolver,
    members,
    calls,
    warnings,
    fail: (value: boolean) => (failing = value),
    advance: (ms: number) => (clock += ms),
  };
}

describe('createRoleResolver', () => {
  it('resolves users and group members to roles, caching groups until they expire', async () => {
    const w = world();
    expect(await w.resolver.rolesOf('U2')).toEqual(['deployer', 'security']);
    expect(await w.resolver.rolesOf('U1')).toEqual(['deployer']);
    expect(await w.resolver.rolesOf('U3')).toEqual(['oncall']);
    expect(await w.resolver.rolesOf('U9')).toEqual([]);
    expect(w.calls).toEqual(['SDEV', 'SSEC']);
    w.members.SSEC = ['U4'];
    w.advance(999);
    expect(await w.resolver.rolesOf('U2')).toEqual(['deployer', 'security']);
    expect(w.calls).toHaveLength(2);
    w.advance(1);
    expect(await w.resolver.rolesOf('U2')).toEqual(['deployer']);
    expect(w.calls).toEqual(['SDEV', 'SSEC', 'SDEV', 'SSEC']);
  });

  it('falls back to the last known members when a lookup fails, and logs it', async () => {
    const w = world();
    await w.resolver.warm();
    w.fail(true);
    w.advance(5000);
    expect(await w.resolver.rolesOf('U4')).toEqual(['security']);
    expect(w.warnings).toContain('user group lookup failed; using the last known members');
    const cold = world();
    cold.fail(true);
    expect(await cold.resolver.rolesOf('U4')).toEqual([]);
    expect(cold.warnings[0]).toMatch(/no members are known/);
  });

  it('shares one lookup between concurrent calls', async () => {
    const w = world();
    await Promise.all([w.resolver.rolesOf('U2'), w.resolver.rolesOf('U4'), w.resolver.rolesOf('U9')]);
    expect(w.calls).toEqual(['SDEV', 'SSEC']);
  });
});

describe('canDeploy and canRollback', () => {
  function refusal(fn: () => void): FlightdeckError {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(FlightdeckError);
      return err as FlightdeckError;
    }
    return expect.fail('expected a refusal');
  }

  it('lets anyone deploy where no deployers are listed', () => {
    expect(() => canDeploy([], 'staging', {})).not.toThrow();
    expect(() => canRollback([], 'staging', {})).not.toThrow();
  });

  it('names the role needed', () => {
    const err = refusal(() => canDeploy(['security'], 'production', { deployers: ['deployer'] }));
    expect(err.code).toBe('forbidden');
    expect(err.message).toBe('You may not deploy to production: that needs the role `deployer`.');
    expect(() => canDeploy(['deployer'], 'production', { deployers: ['deployer'] })).not.toThrow();
  });

  it('rollbackers default to the deployers', () => {
    expect(refusal(() => canRollback([], 'production', { deployers: ['deployer', 'oncall'] })).message).toBe(
      'You may not roll back in production: that needs one of the roles `deployer`, `oncall`.',
    );
    expect(() => canRollback(['oncall'], 'production', { deployers: ['deployer'], rollbackers: ['oncall'] })).not.toThrow();
    expect(() => canRollback(['deployer'], 'production', { deployers: ['deployer'], rollbackers: ['oncall'] })).toThrow(FlightdeckError);
  });
});
