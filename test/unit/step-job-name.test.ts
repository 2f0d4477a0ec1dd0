import { describe, expect, it } from 'vitest';
import type { Run } from '../../src/run/core/run-schema.js';
import { stepJobName } from '../../src/queue/steps/step-job-name.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const runOf = (deployment: string, id: string, uid?: string) => ({ id, ...(uid ? { uid } : {}), target: { deployment } }) as Run;
const item = (id: string, action: 'smoke-job' | 'job' = 'smoke-job') => ({ id, action });

describe('stepJobName', () => {
  it.each([
    ['a run with a uid', runOf('api', '12', '3f9c2a1b0d'), 'smoke', 'api-smoke-12-3f9c2a1b0d-smoke'],
    ['a run from before uids, as an older flightdeck named its Job', runOf('api', '12'), 'smoke', 'api-smoke-12-smoke'],
    ['names Kubernetes would refuse as they are', runOf('API_Server', '3', 'abcdef0123'), 'Smoke_Test', 'api-server-smoke-3-abcdef0123-smoke-test'],
  ])('names %s', (_, run, itemId, name) => {
    expect(stepJobName(run, item(itemId))).toBe(name);
  });

  it('names the Job of a job step apart from a smoke Job of the same step id', () => {
    expect(stepJobName(runOf('api', '12', '3f9c2a1b0d'), item('migrate', 'job'))).toBe('api-job-12-3f9c2a1b0d-migrate');
  });

  it('stays a DNS label of at most 63 characters, and two runs with one id get two names, however long the parts', () => {
    const deployment = 'checkout-payments-gateway-with-a-very-long-name-x';
    const first = stepJobName(runOf(deployment, '7', '3f9c2a1b0d'), item('end-to-end-smoke-test'));
    const second = stepJobName(runOf(deployment, '7', '0d1b2a9c3f'), item('end-to-end-smoke-test'));
    for (const name of [first, second]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(DNS_LABEL);
    }
    expect(first).not.toBe(second);
  });
});
