import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { findBearerToken } from '../../src/api/find-bearer-token.js';
import { decide, type GateFacts } from '../../src/auth/gate-rules.js';
import { parseApiTokens, unknownScopeNames, type ApiToken } from '../../src/config/api-tokens.js';
import { loadEnv } from '../../src/config/load-env.js';

const TOKEN = 'a-ci-token-that-is-long-enough-0123456789';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const scopes = { services: ['api'], environments: ['staging'] };

function tokensOf(text: string): ApiToken[] {
  const parsed = parseApiTokens(text);
  if ('problems' in parsed) throw new Error(parsed.problems.join('\n'));
  return parsed.tokens;
}

describe('API_TOKENS (src/config/api-tokens.ts)', () => {
  it('reads YAML and JSON lists, keeping only the SHA-256 of a plain token', () => {
    const yaml = tokensOf(`- { name: ci, token: ${TOKEN}, scopes: { services: [api], environments: [staging] } }`);
    const json = tokensOf(JSON.stringify([{ name: 'ci', sha256: sha256(TOKEN).toUpperCase(), scopes, requestsPerMinute: 5 }]));
    expect(yaml).toEqual([{ name: 'ci', sha256: Buffer.from(sha256(TOKEN), 'hex'), scopes, requestsPerMinute: undefined }]);
    expect(json[0]).toMatchObject({ name: 'ci', sha256: Buffer.from(sha256(TOKEN), 'hex'), requestsPerMinute: 5 });
    expect(JSON.stringify(yaml)).not.toContain(TOKEN);
  });

  it.each([
    ['not YAML', `- name: ci\n  token: ${TOKEN}\n scopes: [`, /^is not valid JSON or YAML \(at line \d+, column \d+\)/],
    ['not a list', 'name: ci', /^is not a list — write a JSON or YAML list of tokens$/],
    ['no name', `- { token: ${TOKEN}, scopes: { services: [api], environments: [staging] } }`, /^\[0\]\.name: is missing/],
    ['both forms', `- { name: ci, token: ${TOKEN}, sha256: ${sha256(TOKEN)}, scopes: { services: [api], environments: [staging] } }`, /^\[0\]\.sha256: give either sha256 \(recommended\) or token, exactly one/],
    ['a short token', '- { name: ci, token: short, scopes: { services: [api], environments: [staging] } }', /^\[0\]\.token: is shorter than 32 characters — generate one with: openssl rand -hex 32$/],
    ['a bad hash', '- { name: ci, sha256: abc, scopes: { services: [api], environments: [staging] } }', /^\[0\]\.sha256: is not a SHA-256 in hex/],
    ['empty scopes', `- { name: ci, token: ${TOKEN}, scopes: { services: [], environments: [staging] } }`, /^\[0\]\.scopes\.services: is empty — list the services/],
    ['an unknown key', `- { name: ci, token: ${TOKEN}, scope: {} }`, /^\[0\]/],
  ])('refuses %s with where and what', (_what, text, problem) => {
    const parsed = parseApiTokens(text);
    expect('problems' in parsed && parsed.problems[0]).toMatch(problem);
    expect(JSON.stringify(parsed)).not.toContain(TOKEN);
  });

  it('refuses two entries with one name or one token', () => {
    const entry = (name: string) => ({ name, sha256: sha256(TOKEN), scopes });
    expect(parseApiTokens(JSON.stringify([entry('ci'), entry('ci')]))).toEqual({ problems: ['[1].name: ci is named twice — token names must be unique'] });
    expect(parseApiTokens(JSON.stringify([entry('ci'), entry('cd')]))).toEqual({ problems: ['[1]: has the same token as another entry — give each CI system its own token'] });
  });

  it('stops start-up naming API_TOKENS, never echoing a token, and leaves the tokens out of a logged Env', () => {
    expect(() => loadEnv({ SLACK_BOT_TOKEN: 'xoxb-x', FLIGHTDECK_ROLE: 'worker', API_TOKENS: `- { name: ci, token: ${TOKEN} }` })).toThrow(
      /^API_TOKENS: \[0\]\.scopes: is missing — give the token scopes: \{ services: \[\.\.\.\], environments: \[\.\.\.\] \} \(see docs\/api\.md\)$/,
    );
    const env = loadEnv({ SLACK_BOT_TOKEN: 'xoxb-x', FLIGHTDECK_ROLE: 'worker', API_TOKENS: JSON.stringify([{ name: 'ci', token: TOKEN, scopes }]) });
    expect(env.apiTokens.map((token) => token.name)).toEqual(['ci']);
    expect(env.apiRequestsPerMinute).toBe(60);
    expect(JSON.stringify(env)).not.toContain(sha256(TOKEN));
    expect(loadEnv({ SLACK_BOT_TOKEN: 'xoxb-x', FLIGHTDECK_ROLE: 'worker' }).apiTokens).toEqual([]);
  });

  it('names scope entries the catalog does not have', () => {
    const tokens = tokensOf(JSON.stringify([{ name: 'ci', token: TOKEN, scopes: { services: ['api', 'apí'], environments: ['*'] } }]));
    expect(unknownScopeNames(tokens, { services: { api: {} }, environments: { staging: {} } })).toEqual([
      '[0].scopes.services: "apí" (token ci) is not in the catalog — name one of api, or * for all',
    ]);
  });
});

describe('the bearer token a request presents (src/api/find-bearer-token.ts)', () => {
  const tokens = tokensOf(JSON.stringify([{ name: 'one', token: `${TOKEN}1`, scopes }, { name: 'two', token: `${TOKEN}2`, scopes }]));

  it.each([
    [`Bearer ${TOKEN}2`, 'two'],
    [`bearer ${TOKEN}1`, 'one'],
    [`Bearer ${TOKEN}3`, undefined],
    [`Basic ${TOKEN}1`, undefined],
    [`Bearer ${TOKEN}1 extra`, undefined],
    ['Bearer ', undefined],
    [undefined, undefined],
    [`Bearer ${'x'.repeat(2000)}`, undefined],
  ])('%s → %s', (header, name) => {
    expect(findBearerToken(header, tokens)?.name).toBe(name);
  });
});

describe('the gate with an API token (scopes are its rights)', () => {
  const facts = (overrides: Partial<GateFacts>): GateFacts => ({
    userId: 'api:ci',
    roles: [],
    environmentName: 'production',
    serviceName: 'api',
    environment: { deployers: ['release-managers'] },
    run: null,
    ...overrides,
  });

  it('lets a token deploy where its scopes reach, though it holds none of the deployers roles', () => {
    expect(decide('deploy.start', facts({ scopes: { services: ['api'], environments: ['production'] } }))).toBeNull();
    expect(decide('deploy.start', facts({ scopes: { services: ['*'], environments: ['*'] } }))).toBeNull();
  });

  it('refuses a token whose scopes miss the service or the environment, naming the token and its scopes', () => {
    const service = decide('deploy.start', facts({ scopes: { services: ['web'], environments: ['*'] } }));
    expect(service?.rule).toBe('deployer');
    expect(service?.error.code).toBe('forbidden');
    expect(service?.error.message).toBe('The API token `ci` may not deploy api in production: its scopes cover the services `web` in the environments `*`.');
    expect(decide('deploy.start', facts({ scopes: { services: ['api'], environments: ['staging'] } }))?.rule).toBe('deployer');
  });

  it('still refuses an environment gone from the catalog first', () => {
    expect(decide('deploy.start', facts({ environment: undefined, scopes: { services: ['*'], environments: ['*'] } }))?.rule).toBe('environment-known');
  });
});
