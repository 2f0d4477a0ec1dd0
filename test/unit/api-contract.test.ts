import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deployBodySchema } from '../../src/api/deploy-body-schema.js';
import { runStatus } from '../../src/api/run-status.js';
import { RUN_STATES } from '../../src/run/core/run-schema.js';
import { OPENAPI, openApiProblems } from '../support/check-openapi-response.js';
import { runOf, T0 } from './render-fixtures.js';

/*
 * docs/api/openapi.yaml against the code it documents, where no request is needed: the e2e test
 * (test/e2e/api.test.ts) checks the answers flightdeck really gives.
 */

const CHECKLIST = {
  name: 'contract',
  phases: [
    { id: 'pre', title: 'Pre', items: [{ id: 'ok', kind: 'manual', title: 'Looks good' }] },
    { id: 'roll', title: 'Rollout', items: [{ id: 'set', kind: 'step', action: 'set-image' }] },
  ],
};

const json = (body: unknown) => ({ headers: new Headers({ 'content-type': 'application/json' }), body });

describe('docs/api/openapi.yaml', () => {
  it('resolves every $ref', () => {
    const refs = [...JSON.stringify(OPENAPI).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((match) => match[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const target = ref.split('/').reduce((at: any, part) => at?.[part], OPENAPI);
      expect(target, ref).toBeDefined();
    }
  });

  it('documents the deploy body with the fields and required fields zod takes', () => {
    const documented = OPENAPI.components.schemas.DeployRequest;
    const code = z.toJSONSchema(deployBodySchema, { io: 'input' }) as { properties: Record<string, { properties?: object }>; required: string[] };
    expect(Object.keys(documented.properties).sort()).toEqual(Object.keys(code.properties).sort());
    expect([...documented.required].sort()).toEqual([...code.required].sort());
    expect(Object.keys(documented.properties.commit.properties).sort()).toEqual(Object.keys(code.properties.commit!.properties!).sort());
    expect(documented.additionalProperties).toBe(false);
  });

  it('lists every run state the core has', () => {
    expect(OPENAPI.components.schemas.RunState.enum).toEqual([...RUN_STATES]);
  });

  it('describes what runStatus answers, for a waiting run and an ended one', () => {
    const waiting = { ...runOf(CHECKLIST), state: 'waiting' as const };
    waiting.phases[0]!.state = 'active';
    const status = runStatus(waiting);
    expect(status).toMatchObject({ state: 'waiting', ended: false, waitingFor: ['Looks good'], items: { total: 2, pending: 2 } });
    expect(openApiProblems('/api/v1/runs/{id}', 'GET', { status: 200, ...json(status) })).toEqual([]);

    const ended = runStatus({ ...waiting, state: 'aborted', endedAt: T0 + 1000, reason: { kind: 'aborted', by: 'U0BOB', text: 'wrong version' } });
    expect(ended).toMatchObject({ ended: true, waitingFor: [], outcome: { state: 'aborted', reason: 'aborted by U0BOB: wrong version' }, endedAt: new Date(T0 + 1000).toISOString() });
    expect(openApiProblems('/api/v1/deploys', 'POST', { status: 202, headers: new Headers({ 'content-type': 'application/json', location: ended.url }), body: ended })).toEqual([]);
  });

  it('is what the conformance check holds answers to: it finds a missing field, an unlisted status and a missing header', () => {
    expect(openApiProblems('/api/v1/runs/{id}', 'GET', { status: 200, ...json({ id: '1' }) })).toContain('200 body: lacks the required state');
    expect(openApiProblems('/api/v1/runs/{id}', 'GET', { status: 418, ...json({}) })[0]).toMatch(/answered 418, which docs\/api\/openapi.yaml does not list/);
    expect(openApiProblems('/api/v1/deploys', 'POST', { status: 429, ...json({ error: 'rate-limited', message: 'slow down' }) })).toEqual(['429: lacks the required header Retry-After']);
  });
});
