import { describe, expect, it } from 'vitest';
import { parseRollback } from '../../commands/rollback.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';

describe('parseRollback', () => {
  it.each([
    ['', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['  HELP ', { kind: 'help' }],
    ['api', { kind: 'rollback', service: 'api' }],
    ['api production', { kind: 'rollback', service: 'api', environment: 'production' }],
    ['api production to 7', { kind: 'rollback', service: 'api', environment: 'production', toRevision: '7' }],
    ['api to 12', { kind: 'rollback', service: 'api', toRevision: '12' }],
    ['  api   staging   TO   3 ', { kind: 'rollback', service: 'api', environment: 'staging', toRevision: '3' }],
  ])('reads %j', (text, expected) => {
    expect(parseRollback(text)).toEqual(expected);
  });

  it.each([
    ['API', 'is not a service name'],
    ['api Prod', 'is not an environment name'],
    ['api production to', 'write `to <revision>`'],
    ['api production to seven', "is not a revision"],
    ['api production to 0', 'is not a revision'],
    ['api production to -1', 'is not a revision'],
    ['api production 7', 'write `to <revision>`'],
    ['api production to 7 now', 'write `to <revision>`'],
  ])('refuses %j with a usage error', (text, message) => {
    let thrown: unknown;
    try {
      parseRollback(text);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(FlightdeckError);
    expect((thrown as FlightdeckError).code).toBe('usage');
    expect((thrown as FlightdeckError).message).toContain(message);
    expect((thrown as FlightdeckError).remedy).toContain('/rollback <service>');
  });
});
