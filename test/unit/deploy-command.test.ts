import { describe, expect, it } from 'vitest';
import { parseDeploy } from '../../commands/deploy.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';

describe('parseDeploy', () => {
  it.each([
    ['api v1.4.2', { kind: 'deploy', service: 'api', version: 'v1.4.2' }],
    ['api v1.4.2 to production', { kind: 'deploy', service: 'api', version: 'v1.4.2', environment: 'production' }],
    ['  api   v1.4.2   TO   staging ', { kind: 'deploy', service: 'api', version: 'v1.4.2', environment: 'staging' }],
    ['web 2024.11.22_build-7', { kind: 'deploy', service: 'web', version: '2024.11.22_build-7' }],
    ['', { kind: 'help' }],
    ['   ', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['HELP', { kind: 'help' }],
  ])('reads %j', (text, expected) => {
    expect(parseDeploy(text)).toEqual(expected);
  });

  it.each([
    ['api', 'usage', 'Which version of `api`?'],
    ['API v1', 'usage', '`API` is not a service name'],
    ['api v1.4.2:latest', 'invalid-version', '`v1.4.2:latest` is not a valid image tag'],
    ['api .hidden', 'invalid-version', 'is not a valid image tag'],
    ['api -rc1', 'invalid-version', 'is not a valid image tag'],
    [`api ${'x'.repeat(129)}`, 'invalid-version', 'is not a valid image tag'],
    ['api v1 production', 'usage', 'write `to <environment>`'],
    ['api v1 to', 'usage', 'write `to <environment>`'],
    ['api v1 to prod extra', 'usage', 'write `to <environment>`'],
    ['api v1 to Prod!', 'usage', 'is not an environment name'],
    ['api v1 into production', 'usage', 'write `to <environment>`'],
  ])('refuses %j with %s', (text, code, message) => {
    let thrown: unknown;
    try {
      parseDeploy(text);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(FlightdeckError);
    expect((thrown as FlightdeckError).code).toBe(code);
    expect((thrown as FlightdeckError).message).toContain(message);
  });

  it('shows usage with every usage error', () => {
    expect(() => parseDeploy('api v1 production')).toThrowError(expect.objectContaining({ remedy: expect.stringContaining('/deploy <service> <version>') }));
  });

  it('clips echoed input so a pasted wall of text stays short', () => {
    const err = (() => {
      try {
        parseDeploy(`api v1 to ${'a'.repeat(500)}`);
      } catch (caught) {
        return caught as FlightdeckError;
      }
      return undefined;
    })();
    expect(err?.message.length).toBeLessThan(200);
  });
});
