import { describe, expect, it } from 'vitest';
import { parseDeploy } from '../../commands/deploy.js';
import { DEPLOY_USAGE } from '../../commands/deploy/deploy-usage.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';

function refusal(text: string): FlightdeckError {
  try {
    parseDeploy(text);
  } catch (err) {
    if (err instanceof FlightdeckError) return err;
    throw err;
  }
  throw new Error(`parseDeploy(${JSON.stringify(text)}) did not refuse`);
}

describe('parseDeploy', () => {
  it.each([
    ['api v1.4.2', { kind: 'deploy', service: 'api', version: 'v1.4.2' }],
    ['api v1.4.2 to production', { kind: 'deploy', service: 'api', version: 'v1.4.2', environment: 'production' }],
    ['  api   v1.4.2   TO   staging ', { kind: 'deploy', service: 'api', version: 'v1.4.2', environment: 'staging' }],
    ['web 2024.11.22_build-7', { kind: 'deploy', service: 'web', version: '2024.11.22_build-7' }],
    ['api 1.4.2 to production --dry-run', { kind: 'dry-run', service: 'api', version: '1.4.2', environment: 'production' }],
    ['api --dry-run 1.4.2', { kind: 'dry-run', service: 'api', version: '1.4.2' }],
    ['api 1.4.2 --DRY-RUN to staging', { kind: 'dry-run', service: 'api', version: '1.4.2', environment: 'staging' }],
    ['api 1.4.2 to production --dry-run --replay 6h', { kind: 'dry-run', service: 'api', version: '1.4.2', environment: 'production', replayMs: 6 * 3_600_000 }],
    ['', { kind: 'modal' }],
    ['   ', { kind: 'modal' }],
    ['help', { kind: 'help' }],
    ['HELP', { kind: 'help' }],
    ['help lock', { kind: 'help', topic: 'lock' }],
    ['help deploy', { kind: 'help', topic: 'deploy' }],
    ['status', { kind: 'status' }],
    ['Status api', { kind: 'status', service: 'api' }],
    ['history api', { kind: 'history', service: 'api' }],
    ['history api production', { kind: 'history', service: 'api', environment: 'production' }],
    ['lock api production freeze for the audit', { kind: 'lock', service: 'api', environment: 'production', reason: 'freeze for the audit' }],
    ['lock api production   spaced    words', { kind: 'lock', service: 'api', environment: 'production', reason: 'spaced words' }],
    ['unlock api production', { kind: 'unlock', service: 'api', environment: 'production' }],
    ['cancel 12', { kind: 'cancel', runId: '12' }],
    ['cancel #12', { kind: 'cancel', runId: '12' }],
    ['cancel 12 wrong version', { kind: 'cancel', runId: '12', reason: 'wrong version' }],
    ['log 12', { kind: 'log', runId: '12' }],
    ['LOG #12', { kind: 'log', runId: '12' }],
    ['log 12 migrate', { kind: 'log', runId: '12', itemId: 'migrate' }],
  ])('reads %j', (text, expected) => {
    expect(parseDeploy(text)).toEqual(expected);
  });

  it.each([
    ['lock v1.2.3', 'lock'],
    ['status v1.2.3', 'status'],
    ['history v1.2', 'history'],
    ['cancel v2', 'cancel'],
    ['unlock v2', 'unlock'],
    ['help v2', 'help'],
    ['log v2', 'log'],
  ])('never reads the subcommand word in %j as a service to deploy', (text, form) => {
    const err = refusal(text);
    expect(err.code).toBe('usage');
    expect(err.remedy).toContain(DEPLOY_USAGE[form as keyof typeof DEPLOY_USAGE]);
  });

  it.each([
    // [input, code, message fragment, form whose usage is shown]
    ['api', 'usage', 'Which version of `api`?', 'deploy'],
    ['API v1', 'usage', '`API` is not a service name', 'deploy'],
    ['api v1 production', 'usage', 'write `to <environment>`', 'deploy'],
    ['api v1 to', 'usage', 'write `to <environment>`', 'deploy'],
    ['api v1 to prod extra', 'usage', 'write `to <environment>`', 'deploy'],
    ['api v1 to Prod!', 'usage', 'is not an environment name', 'deploy'],
    ['api v1 into production', 'usage', 'write `to <environment>`', 'deploy'],
    ['--dry-run', 'usage', 'Which service and version?', 'deploy'],
    ['api --dry-run', 'usage', 'Which version of `api`?', 'deploy'],
    ['api 1 --dry-run --replay', 'usage', '`--replay` takes a number of hours up to 168', 'deploy'],
    ['api 1 --dry-run --replay 200h', 'usage', '`--replay` takes a number of hours up to 168', 'deploy'],
    ['api 1 --replay 6h', 'usage', '`--replay` goes with `--dry-run`', 'deploy'],
    ['help everything', 'usage', 'There is no subcommand `everything`', 'help'],
    ['help lock unlock', 'usage', 'There is no subcommand', 'help'],
    ['status api web', 'usage', 'at most one service', 'status'],
    ['status API', 'usage', '`API` is not a service name', 'status'],
    ['history', 'usage', 'Which service?', 'history'],
    ['history api production extra', 'usage', 'takes a service and optionally an environment', 'history'],
    ['history api PROD', 'usage', '`PROD` is not an environment name', 'history'],
    ['lock', 'usage', 'Which service and environment?', 'lock'],
    ['lock api', 'usage', 'Which service and environment?', 'lock'],
    ['lock api production', 'usage', 'a lock needs a reason', 'lock'],
    ['lock Api production why', 'usage', '`Api` is not a service name', 'lock'],
    [`lock api production ${'x'.repeat(301)}`, 'usage', 'keep it under 301', 'lock'],
    ['unlock', 'usage', 'Which service and environment?', 'unlock'],
    ['unlock api', 'usage', 'Which service and environment?', 'unlock'],
    ['unlock api production now', 'usage', 'a service and an environment only', 'unlock'],
    ['cancel', 'usage', 'Which run?', 'cancel'],
    ['cancel twelve', 'usage', 'is not a run number', 'cancel'],
    ['cancel 0', 'usage', 'is not a run number', 'cancel'],
    ['cancel -3', 'usage', 'is not a run number', 'cancel'],
    ['log', 'usage', 'Which run?', 'log'],
    ['log twelve', 'usage', 'is not a run number', 'log'],
    ['log 12 migrate now', 'usage', 'a run number and at most one step id', 'log'],
  ])('refuses %j with %s, naming the problem and showing the usage of that form', (text, code, message, form) => {
    const err = refusal(text);
    expect(err.code).toBe(code);
    expect(err.message).toContain(message);
    expect(err.remedy).toContain(`Usage: ${DEPLOY_USAGE[form as keyof typeof DEPLOY_USAGE]}`);
  });

  it.each([['api v1.4.2:latest'], ['api .hidden'], ['api -rc1'], [`api ${'x'.repeat(129)}`]])('refuses the version in %j as not an image tag', (text) => {
    const err = refusal(text);
    expect(err.code).toBe('invalid-version');
    expect(err.message).toContain('is not a valid image tag');
    expect(err.remedy).toContain('up to 128 letters');
  });

  it('clips echoed input so a pasted wall of text stays short', () => {
    expect(refusal(`api v1 to ${'a'.repeat(500)}`).message.length).toBeLessThan(200);
    expect(refusal(`status ${'a'.repeat(500)} b`).message.length).toBeLessThan(200);
  });
});
