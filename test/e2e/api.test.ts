import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiProblems } from '../support/check-openapi-response.js';
import { replyText } from '../support/reply-text.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { waitForRunState } from '../support/wait-for-run-state.js';

const CHANNEL = 'C0DEPLOY';

const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
environments:
  staging:
    cluster: emulator
    checklist: gated
  production:
    cluster: emulator
    checklist: auto
services:
  api:
    namespace: shop
    deployment: api
    container: api
    image: registry.example.com/acme/api
    environments: [staging, production]
  web:
    namespace: shop
    deployment: web
    container: web
    image: registry.example.com/acme/web
    environments: [staging]
`;

/** Steps only, so a run started by the API reaches `succeeded` with nobody clicking. */
const AUTO_CHECKLIST = `
name: auto
phases:
  - id: rollout
    title: Rollout
    items:
      - id: set-image
        kind: step
        action: set-image
      - id: wait
        kind: step
        action: wait-rollout
        timeout: 30s
`;

/** A box to tick before the rollout, so a staging run waits for a person and holds the target meanwhile. */
const GATED_CHECKLIST = `
name: gated
phases:
  - id: pre
    title: Before
    items:
      - id: qa
        kind: manual
        title: QA signed off the build
  - id: rollout
    title: Rollout
    items:
      - id: set-image
        kind: step
        action: set-image
`;

const CI_TOKEN = 'ci-token-0123456789abcdef0123456789abcdef';
const WEB_TOKEN = 'web-token-0123456789abcdef0123456789abcdef';
const SLOW_TOKEN = 'slow-token-0123456789abcdef0123456789abcdef';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Three tokens, in both forms the configuration takes (a plain token, a SHA-256), as YAML. */
const API_TOKENS = `
- name: ci
  token: ${CI_TOKEN}
  scopes: { services: [api], environments: ['*'] }
- name: ci-web
  sha256: ${sha256(WEB_TOKEN)}
  scopes: { services: [web], environments: [staging] }
- name: ci-slow
  sha256: ${sha256(SLOW_TOKEN)}
  scopes: { services: ['*'], environments: ['*'] }
  requestsPerMinute: 2
`;

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

describe.each(['http', 'socket'] as const)('the CI API end to end over %s', (mode) => {
  let world: E2eWorld;

  /** One request to the API; every answer is checked against docs/api/openapi.yaml before the test looks at it. */
  async function call(method: 'GET' | 'POST', path: string, options: { token?: string; body?: unknown; raw?: string } = {}): Promise<Answer> {
    const response = await fetch(`${world.flightdeck.url}${path}`, {
      method,
      headers: {
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      ...(method === 'POST' ? { body: options.raw ?? JSON.stringify(options.body) } : {}),
    });
    const answer = { status: response.status, headers: response.headers, body: await response.json() };
    const template = path.startsWith('/api/v1/runs/') ? '/api/v1/runs/{id}' : path;
    expect(openApiProblems(template, method, answer), `${method} ${path} against docs/api/openapi.yaml`).toEqual([]);
    return answer;
  }

  /** A deploy request with `token` (default: the ci token); null sends no Authorization header. */
  const deploy = (body: unknown, token: string | null = CI_TOKEN) => call('POST', '/api/v1/deploys', { ...(token === null ? {} : { token }), body });

  beforeAll(async () => {
    world = await startE2eWorld({
      mode,
      catalog: CATALOG,
      checklists: { auto: AUTO_CHECKLIST, gated: GATED_CHECKLIST },
      kubernetes: { readyDelayMs: 100 },
      slack: { channels: [CHANNEL] },
      deployments: [
        { namespace: 'shop', name: 'api', container: 'api', image: 'registry.example.com/acme/api:v1.0.0', replicas: 2 },
        { namespace: 'shop', name: 'web', container: 'web', image: 'registry.example.com/acme/web:v1.0.0', replicas: 2 },
      ],
      env: { API_TOKENS, API_REQUESTS_PER_MINUTE: '1000' },
    });
  });

  afterAll(async () => {
    expect(await world?.stop()).toBe(0);
  });

  it('starts a deploy that runs to success, shown by GET, with the run message in the channel and the token as actor', async () => {
    const started = await deploy({
      service: 'api',
      version: 'v1.4.2',
      environment: 'production',
      commit: { sha: '3f2c1ab9', time: '2026-12-05T21:40:00Z' },
      reason: 'release train 48',
    });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ service: 'api', version: 'v1.4.2', environment: 'production', requestedBy: 'api:ci', ended: false });
    const id: string = started.body.id;
    expect(started.headers.get('location')).toBe(`/api/v1/runs/${id}`);
    expect(started.body.url).toBe(`/api/v1/runs/${id}`);

    await waitForRunState(world.store, id, ['succeeded']);
    const ended = await call('GET', started.body.url, { token: CI_TOKEN });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ id, state: 'succeeded', ended: true, outcome: { state: 'succeeded' }, items: { total: 2, done: 2, failed: 0 } });
    expect(world.k8s.getDeployment('shop', 'api').spec.template.spec.containers[0].image).toBe('registry.example.com/acme/api:v1.4.2');

    // The run message is posted as for /deploy, naming the token as text (a mention of api:ci would show broken).
    const message = await world.slack.waitFor(
      (state) => state.messages(CHANNEL).find((candidate) => candidate.text.includes('v1.4.2') && JSON.stringify(candidate.blocks).includes('Succeeded')),
      20_000,
      'the run message, succeeded',
    );
    expect(JSON.stringify(message.blocks)).toContain('api:ci');
    expect(JSON.stringify(message.blocks)).not.toContain('<@api:ci>');

    const requested = (await world.store.audit(id)).find((entry) => entry.action === 'run.requested');
    expect(requested).toMatchObject({ actor: 'api:ci' });
    expect(requested?.detail).toBe('api v1.4.2 to production (commit 3f2c1ab9; committed 2026-12-05T21:40:00.000Z; reason: release train 48)');
    // The commit stays on the run, so the four keys measure its lead time (commit to deployed).
    const run = await world.store.get(id);
    expect(run?.commit).toEqual({ sha: '3f2c1ab9', at: Date.parse('2026-12-05T21:40:00Z') });
    const stats = await world.driver.slashCommand({ command: '/deploy', text: 'stats api production', userId: 'U0ANYONE', channelId: CHANNEL });
    expect(replyText(stats)).toMatch(/lead time \d+.* \(median\)/);
  });

  it('answers 401 with a Bearer challenge without a token and with an unknown one, and records nothing', async () => {
    const body = { service: 'api', version: 'v9.0.0', environment: 'staging' };
    const none = await deploy(body, null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="flightdeck"');
    expect(none.body.error).toBe('unauthorized');
    const unknown = await deploy(body, `${CI_TOKEN}x`);
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toBe('Bearer realm="flightdeck", error="invalid_token"');
    expect(await call('GET', '/api/v1/runs/1', {}).then((answer) => answer.status)).toBe(401);
    expect(await world.store.activeRunFor('api', 'staging')).toBeNull();
  });

  it('answers 403 when the token does not cover the service or environment, and audits the refusal', async () => {
    const outOfScope = await deploy({ service: 'api', version: 'v9.0.0', environment: 'staging' }, WEB_TOKEN);
    expect(outOfScope.status).toBe(403);
    expect(outOfScope.body).toMatchObject({ error: 'forbidden' });
    expect(outOfScope.body.message).toContain('`ci-web` may not deploy api in staging');
    const refusals = (await world.store.audit(undefined, 500)).filter((entry) => entry.actor === 'api:ci-web' && entry.action === 'api.refused');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]!.detail).toContain('POST /api/v1/deploys api v9.0.0 to staging');
    expect(await world.store.activeRunFor('api', 'staging')).toBeNull();
  });

  it('answers 400 naming each problem of a bad body, and a service the catalog does not have', async () => {
    const bad = await deploy({ service: 'api', version: '.bad', enviroment: 'staging', commit: { time: 'yesterday' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid-body');
    expect(bad.body.issues).toEqual(
      expect.arrayContaining([
        { path: 'version', message: expect.stringContaining('is not a valid image tag') },
        { path: 'environment', message: 'is required: the catalog name of the environment' },
        { path: 'commit.time', message: expect.stringContaining('is not an ISO 8601 date-time') },
        { path: 'enviroment', message: expect.stringContaining('is not a field of this request') },
      ]),
    );
    const notJson = await call('POST', '/api/v1/deploys', { token: CI_TOKEN, raw: '{"service":' });
    expect(notJson.status).toBe(400);
    const huge = await call('POST', '/api/v1/deploys', { token: CI_TOKEN, body: { service: 'api', version: 'v1', environment: 'staging', reason: 'x'.repeat(17 * 1024) } });
    expect(huge.status).toBe(413);
    const unknown = await deploy({ service: 'billing', version: 'v1', environment: 'staging' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: 'unknown-service', message: 'There is no service called `billing`.' });
  });

  it('answers 409 when the target is locked, as /deploy refuses it, and 404 for a run that does not exist', async () => {
    const lock = await world.driver.slashCommand({ command: '/deploy', text: 'lock api staging database migration', userId: 'U0ALICE', channelId: CHANNEL });
    expect(replyText(lock)).toContain('locked');
    const locked = await deploy({ service: 'api', version: 'v2.0.0', environment: 'staging' });
    expect(locked.status).toBe(409);
    expect(locked.body.error).toBe('target-locked');
    expect(locked.body.message).toContain('database migration');
    expect(locked.body.message).not.toContain('<@');
    const unlock = await world.driver.slashCommand({ command: '/deploy', text: 'unlock api staging', userId: 'U0ALICE', channelId: CHANNEL });
    expect(replyText(unlock)).toContain('nlocked');
    expect((await call('GET', '/api/v1/runs/999999', { token: CI_TOKEN })).status).toBe(404);
  });

  it('answers 409 while a run holds the target, and GET shows what that run waits for', async () => {
    const first = await deploy({ service: 'web', version: 'v3.0.0', environment: 'staging' }, WEB_TOKEN);
    expect(first.status).toBe(202);
    await waitForRunState(world.store, first.body.id, ['waiting']);
    const waiting = await call('GET', first.body.url, { token: WEB_TOKEN });
    expect(waiting.body).toMatchObject({ state: 'waiting', ended: false, waitingFor: ['QA signed off the build'], items: { total: 2, pending: 2 } });

    const second = await deploy({ service: 'web', version: 'v3.0.1', environment: 'staging' }, WEB_TOKEN);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ error: 'target-locked' });
    expect(second.body.message).toContain(`by run #${first.body.id} (\`v3.0.0\`, requested by api:ci-web`);
    // The ci token may not read a run of web: it sees only runs it could have started.
    expect((await call('GET', first.body.url, { token: CI_TOKEN })).status).toBe(403);

    const cancel = await world.driver.slashCommand({ command: '/deploy', text: `cancel ${first.body.id}`, userId: 'U0ALICE', channelId: CHANNEL });
    expect(cancel.status).toBe(200);
    await waitForRunState(world.store, first.body.id, ['aborted']);
    const aborted = await call('GET', first.body.url, { token: WEB_TOKEN });
    expect(aborted.body).toMatchObject({ state: 'aborted', ended: true, outcome: { state: 'aborted', reason: expect.stringContaining('U0ALICE') } });
  });

  it('answers 429 with Retry-After once a token used its requests of the minute, and only for that token', async () => {
    const statuses: number[] = [];
    let last: Answer | undefined;
    for (let i = 0; i < 3; i += 1) {
      last = await call('GET', '/api/v1/runs/999999', { token: SLOW_TOKEN });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([404, 404, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(last!.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(last!.body.error).toBe('rate-limited');
    // The window is counted in Redis under the token's name: another token is not held back by it.
    expect((await call('GET', '/api/v1/runs/999999', { token: CI_TOKEN })).status).toBe(404);
    expect(await world.redis.pttl(`{${world.flightdeck.redisPrefix}}:api-rate:ci-slow`)).toBeGreaterThan(0);
    const metrics = await (await fetch(`${world.flightdeck.url}/metrics`)).text();
    expect(metrics).toMatch(/^flightdeck_api_requests_total\{route="runs",status="429"\} 1$/m);
    expect(metrics).toMatch(/^flightdeck_api_requests_total\{route="deploys",status="202"\} [1-9]/m);
  });
});
