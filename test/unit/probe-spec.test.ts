import { describe, expect, it } from 'vitest';
import { probeSpecSchema } from '../../src/probes/probe-types.js';

function problems(input: unknown): string[] {
  const result = probeSpecSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}

describe('probeSpecSchema', () => {
  it.each([
    [{ type: 'http', url: 'https://web.example/healthz' }],
    [{ type: 'http', url: 'http://web/healthz', expectStatus: [200, 204], jsonPath: '$.checks[0].ok', equals: true, maxLatencyMs: 500, headers: { 'x-a': 'b' } }],
    [{ type: 'tcp', host: 'db.internal', port: 5432 }],
    [{ type: 'redis', url: 'rediss://cache:6380/0' }],
    [{ type: 'postgres', url: 'postgresql://app@db/app' }],
    [{ type: 'prometheus', query: 'up', above: 0.05 }],
    [{ type: 'prometheus', url: 'http://prom:9090', query: 'up', below: 1 }],
    [{ type: 'k8s-pods', minReady: 3, maxRestarts: 2 }],
    [{ type: 'rollout-ready' }],
  ])('accepts %o', (input) => {
    expect(problems(input)).toEqual([]);
  });

  it('fills in defaults', () => {
    expect(probeSpecSchema.parse({ type: 'http', url: 'http://web/' })).toEqual({ type: 'http', url: 'http://web/', method: 'GET', expectStatus: 200 });
    expect(probeSpecSchema.parse({ type: 'k8s-pods' })).toEqual({ type: 'k8s-pods', minReady: 1 });
  });

  it.each([
    ['unknown type', { type: 'ping' }, 'type: must be one of: http, tcp, redis, postgres, prometheus, k8s-pods, rollout-ready'],
    ['unknown key', { type: 'tcp', host: 'a', port: 1, timeout: 5 }, '(root): Unrecognized key: "timeout"'],
    ['non-http URL', { type: 'http', url: 'ftp://x/' }, 'url: must be an http:// or https:// URL'],
    ['bad status', { type: 'http', url: 'http://x/', expectStatus: 99 }, 'expectStatus: must be an HTTP status code (100-599)'],
    ['equals without jsonPath', { type: 'http', url: 'http://x/', equals: 'ok' }, 'equals: `equals` needs a `jsonPath` to compare against'],
    ['bad JSON path', { type: 'http', url: 'http://x/', jsonPath: 'a..b' }, 'jsonPath: must be a JSON path like $.status or $.checks[0].ok'],
    ['port out of range', { type: 'tcp', host: 'a', port: 70000 }, 'port: must be a port (1-65535)'],
    ['redis URL scheme', { type: 'redis', url: 'http://cache' }, 'url: must be a redis:// or rediss:// URL'],
    ['postgres URL scheme', { type: 'postgres', url: 'mysql://db' }, 'url: must be a postgres:// or postgresql:// URL'],
    ['neither above nor below', { type: 'prometheus', query: 'up' }, '(root): set exactly one of `above` (fails when the value is greater) or `below` (fails when the value is less)'],
    ['both above and below', { type: 'prometheus', query: 'up', above: 1, below: 0 }, '(root): set exactly one of `above` (fails when the value is greater) or `below` (fails when the value is less)'],
    ['empty query', { type: 'prometheus', query: '  ', above: 1 }, 'query: must be a PromQL expression'],
    ['negative minReady', { type: 'k8s-pods', minReady: -1 }, 'minReady: must be 0 or more'],
    ['rollout-ready takes no options', { type: 'rollout-ready', timeout: '1m' }, '(root): Unrecognized key: "timeout"'],
  ])('rejects %s', (_name, input, message) => {
    expect(problems(input)).toContain(message);
  });
});
