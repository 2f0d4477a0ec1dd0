import { describe, expect, it } from 'vitest';
import { parseDeploy } from '../../commands/deploy.js';
import { DEPLOY_USAGE } from '../../commands/deploy/deploy-usage.js';
import { describeRollback, parseRollback } from '../../commands/rollback.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { runOf } from './render-fixtures.js';

// The exact words of command refusals and the edges of the readers; deploy-command.test.ts and
// rollback-command.test.ts hold the main tables.

function refusal(parse: () => unknown): FlightdeckError {
  try {
    parse();
  } catch (err) {
    if (err instanceof FlightdeckError) return err;
    throw err;
  }
  throw new Error('did not refuse');
}

describe('parseDeploy, exactly', () => {
  it('reads no property it was not given (an absent service or environment is absent, not undefined)', () => {
    expect(parseDeploy('status')).toStrictEqual({ kind: 'status' });
    expect(parseDeploy('history api')).toStrictEqual({ kind: 'history', service: 'api' });
    expect(parseDeploy('cancel 12')).toStrictEqual({ kind: 'cancel', runId: '12' });
  });

  it('points every form but help to `/deploy help`', () => {
    expect(refusal(() => parseDeploy('history')).remedy).toBe(`Usage: ${DEPLOY_USAGE.history}\n\`/deploy help\` lists every subcommand.`);
    expect(refusal(() => parseDeploy('help nothing')).remedy).toBe(`Usage: ${DEPLOY_USAGE.help}`);
  });

  it.each([
    ['help lock unlock', 'There is no subcommand `lock unlock`. Subcommands: `status`, `history`, `stats`, `lock`, `unlock`, `freeze`, `unfreeze`, `cancel`, `log`, `help`.'],
    ['status api web', '`status` takes at most one service, not `api web`.'],
    ['history api prod extra', '`history` takes a service and optionally an environment, not `api prod extra`.'],
    ['unlock api prod right now', '`unlock` takes a service and an environment only, not `right now`.'],
    ['api v1 into prod', 'I could not read `into prod`: after the version, write `to <environment>`.'],
    ['status `api`', "`'api'` is not a service name: names are lowercase letters, digits and dashes."],
  ])('refuses %j saying %j', (text, message) => {
    expect(refusal(() => parseDeploy(text)).message).toBe(message);
  });

  it.each([
    ['lock', 'lock api PROD why'],
    ['unlock', 'unlock API prod'],
    ['unlock', 'unlock api PROD'],
    ['cancel', `cancel 12 ${'x'.repeat(301)}`],
  ] as const)('shows the usage of the %s form when its input is wrong', (form, text) => {
    expect(refusal(() => parseDeploy(text)).remedy).toContain(`Usage: ${DEPLOY_USAGE[form]}`);
  });

  it('reads --emergency and everything after it as the reason, and refuses it without one or beside --dry-run', () => {
    expect(parseDeploy('api v1.2.3 to prod --emergency checkout is down, INC-7')).toStrictEqual({
      kind: 'deploy',
      service: 'api',
      version: 'v1.2.3',
      environment: 'prod',
      emergency: 'checkout is down, INC-7',
    });
    expect(parseDeploy('api v1.2.3 --EMERGENCY to prod')).toStrictEqual({ kind: 'deploy', service: 'api', version: 'v1.2.3', emergency: 'to prod' });
    expect(refusal(() => parseDeploy('api v1.2.3 to prod --emergency')).message).toBe(
      'Say why: `--emergency` needs a reason, which the approver and the channel will read (e.g. `--emergency checkout is down, hotfix for INC-123`).',
    );
    expect(refusal(() => parseDeploy('api v1.2.3 --dry-run --emergency now')).message).toBe('`--dry-run` changes nothing, so it needs no `--emergency`: drop one of them.');
    expect(refusal(() => parseDeploy('--emergency why')).remedy).toContain(`Usage: ${DEPLOY_USAGE.deploy}`);
  });

  it('reads a freeze for a duration or until a date, and an unfreeze', () => {
    expect(parseDeploy('freeze production 2d release candidate soak')).toStrictEqual({
      kind: 'freeze',
      environment: 'production',
      for: { durationMs: 2 * 86_400_000 },
      reason: 'release candidate soak',
    });
    expect(parseDeploy('FREEZE prod 90M why')).toMatchObject({ for: { durationMs: 90 * 60_000 } });
    expect(parseDeploy('freeze prod 2026-12-24T18:00+01:00 holidays')).toMatchObject({ for: { until: '2026-12-24T18:00+01:00' }, reason: 'holidays' });
    expect(parseDeploy('unfreeze prod')).toStrictEqual({ kind: 'unfreeze', environment: 'prod' });
  });

  it.each([
    ['freeze prod', 'Which environment, and for how long? Write `freeze <environment> <duration|until> <reason>`, e.g. `freeze production 2d release candidate soak`.'],
    ['freeze prod 2h', 'Say why: a freeze needs a reason, which everyone it stops will read.'],
    ['freeze prod tomorrow why', '`tomorrow` is neither a duration (`30m`, `4h`, `2d`) nor a date (`2026-12-24`, `2026-12-24T18:00Z`).'],
    ['freeze prod 2026-13-45 why', '`2026-13-45` is neither a duration (`30m`, `4h`, `2d`) nor a date (`2026-12-24`, `2026-12-24T18:00Z`).'],
    ['freeze prod 91d why', '`91d` is longer than 90 days; declare a freeze that long under `freezes` in the catalog, where everyone can read it.'],
    ['freeze PROD 2h why', '`PROD` is not an environment name: names are lowercase letters, digits and dashes.'],
    ['unfreeze', 'Which environment? Write `unfreeze <environment>`.'],
    ['unfreeze prod now', '`unfreeze` takes an environment only, not `now`.'],
  ])('refuses the freeze %j saying %j, with its usage', (text, message) => {
    const err = refusal(() => parseDeploy(text));
    expect(err.message).toBe(message);
    expect(err.remedy).toContain(`Usage: ${DEPLOY_USAGE[text.startsWith('freeze') ? 'freeze' : 'unfreeze']}`);
  });

  it('takes a reason of exactly 300 characters', () => {
    expect(parseDeploy(`lock api prod ${'x'.repeat(300)}`)).toMatchObject({ kind: 'lock', reason: 'x'.repeat(300) });
  });

  it('echoes 60 characters as typed and clips longer input to 57 and an ellipsis', () => {
    const sixty = 'A'.repeat(60);
    expect(refusal(() => parseDeploy(`status ${sixty}`)).message).toBe(`\`${sixty}\` is not a service name: names are lowercase letters, digits and dashes.`);
    expect(refusal(() => parseDeploy(`status ${sixty}B`)).message).toBe(`\`${'A'.repeat(57)}...\` is not a service name: names are lowercase letters, digits and dashes.`);
  });
});

describe('parseRollback, exactly', () => {
  it('reads `help` followed by more as a service named help', () => {
    expect(parseRollback('help production')).toStrictEqual({ kind: 'rollback', service: 'help', environment: 'production' });
  });

  it('refuses a word other than `to` before the revision, showing the whole usage', () => {
    const err = refusal(() => parseRollback('api production at 7'));
    expect(err.message).toBe('I could not read `at 7`: after the service and environment, write `to <revision>`.');
    expect(err.remedy).toMatch(/^Usage:\n`\/rollback <service> \[environment\] \[to <revision>\]`/);
    expect(err.remedy?.split('\n')).toEqual(['Usage:', expect.stringMatching(/^`\/rollback <service>/), expect.stringMatching(/^`\/rollback help`/)]);
  });
});

describe('describeRollback', () => {
  const intent = { service: 'api', environment: 'production', channel: 'C1' };
  const CHECKLIST = { name: 'x', phases: [{ id: 'p', title: 'P', items: [{ id: 'a', kind: 'manual', title: 'A' }] }] };
  const target = { revision: '6', image: 'registry/api:1.9.0', template: {}, recordedAt: 0 };

  it('says "the previous revision" when neither a revision nor a run is known', () => {
    expect(describeRollback(intent, null)).toBe('Roll back *api* in *production* to the previous revision?');
  });

  it('names the revision asked for', () => {
    expect(describeRollback({ ...intent, toRevision: '7' }, null)).toBe('Roll back *api* in *production* to revision *7*?');
  });

  it('names the revision recorded before the run it undoes, and stops that run', () => {
    const run = { ...runOf(CHECKLIST), state: 'running' as const, rollbackTarget: target };
    expect(describeRollback(intent, run)).toBe(
      'Roll back *api* in *production* to revision *6* (`registry/api:1.9.0`), as before run #42?\nThis undoes run #42 (`2.0.0`, running) and stops it.',
    );
  });

  it('does not speak of stopping a failed run, and says "previous revision" when none was recorded', () => {
    const run = { ...runOf(CHECKLIST), state: 'failed' as const };
    expect(describeRollback(intent, run)).toBe('Roll back *api* in *production* to the previous revision?\nThis undoes run #42 (`2.0.0`, failed).');
  });
});
