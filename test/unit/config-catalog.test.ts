import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveChannel, resolveTarget } from '../../src/config/resolve-target.js';
import { catalogSchema } from '../../src/config/catalog-schema.js';
import { checkConfig } from '../../src/config/check-config.js';
import { loadCatalog } from '../../src/config/load-catalog.js';
import { loadConfig } from '../../src/config/load-config.js';
import { loadEnv } from '../../src/config/load-env.js';
import { yamlProblems } from '../../src/config/yaml-problems.js';
import { parseYamlSource } from '../../src/config/yaml-source.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';

const ROOT = path.relative(process.cwd(), fileURLToPath(new URL('../..', import.meta.url))) || '.';
const FIX = path.join(ROOT, 'test/fixtures/config');
const VALID = path.join(FIX, 'valid/flightdeck.yaml');
const VALID_CHECKLISTS = path.join(FIX, 'valid/checklists');

async function rejection(promise: Promise<unknown>): Promise<FlightdeckError> {
  const err = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FlightdeckError);
  return err as FlightdeckError;
}

describe('loadCatalog', () => {
  it('reads a valid catalog, filling in defaultEnvironment', async () => {
    const catalog = await loadCatalog(VALID);
    expect(Object.keys(catalog.environments)).toEqual(['staging', 'production']);
    expect(catalog.services.api?.defaultEnvironment).toBe('staging');
    expect(catalog.services.web?.defaultEnvironment).toBe('production');
    expect(catalog.slack.defaultChannel).toBe('C0DEPLOY');
  });

  const cases: [fixture: string, lines: string[]][] = [
    [
      'unknown-key.yaml',
      [
        ':3:3 slack.token: unknown key "token" — remove it (allowed keys: defaultChannel)',
        ':10:5 services.api.namespace: required key is missing — add namespace: <a string>',
        ':10:5 services.api.namepace: unknown key "namepace" — did you mean "namespace"? (allowed keys: namespace, deployment, container, image, environments, defaultEnvironment, overrides, traffic, blueGreen, pagerduty)',
      ],
    ],
    [
      'wrong-type.yaml',
      [
        ':2:19 slack.defaultChannel: "#deploys" is not valid — it must be a channel ID such as C0123ABCDEF (Slack shows it at the bottom of the channel details), not a #name',
        ':5:14 environments.staging.cluster: expected a string, got 42 — quote it: "42"',
        ':12:12 services.api.image: "registry.example.com/acme/api:1.2.3" has a tag — remove ":1.2.3"; flightdeck adds the version at deploy time',
        ':13:19 services.api.environments: expected a list, got "staging" — write a list here',
      ],
    ],
    [
      'undefined-environment.yaml',
      [
        ':13:29 services.api.environments[1]: no environment named "prod" — declare it under environments, or use one of staging',
        `:14:25 services.api.defaultEnvironment: "qa" is not one of api's environments — use one of staging, prod`,
        ':16:7 services.api.overrides.production: no environment named "production" — declare it under environments, or use one of staging',
      ],
    ],
    [
      'missing-key.yaml',
      [
        ':1:1 slack: required key is missing — add slack: <a map (key: value)>',
        ':3:5 environments.staging.cluster: required key is missing — add cluster: <a string>',
      ],
    ],
    [
      'syntax-error.yaml',
      [
        ':7:3 (yaml syntax): Map keys must be unique — remove or rename one of the two keys',
        ':11:1 (yaml syntax): Flow sequence in block collection must be sufficiently indented and end with a ] — correct the YAML syntax here (indentation, colons, quotes and brackets)',
      ],
    ],
  ];

  it.each(cases)('reports every problem in %s at file:line:col with its key path', async (fixture, lines) => {
    const file = path.join(FIX, 'catalog', fixture);
    const err = await rejection(loadCatalog(file));
    expect(err.code).toBe('config-invalid');
    expect(err.message.split('\n')).toEqual(lines.map((line) => `${file}${line}`));
  });

  it('reports a missing catalog file with the fix', async () => {
    const file = path.join(FIX, 'nope.yaml');
    const err = await rejection(loadCatalog(file));
    expect(err.message).toBe(
      `${file}: file not found — create it (flightdeck.example.yaml shows the shape), or point FLIGHTDECK_CONFIG at it`,
    );
  });
});

describe('catalog problems in edge cases', () => {
  const CATALOG_HEAD = 'slack: {defaultChannel: C0DEPLOY}\nenvironments:\n  prod: {cluster: c, checklist: standard}\n';
  const SERVICE = '    namespace: api\n    deployment: api\n    container: api\n';

  function problemsIn(text: string): string[] {
    const { source, problems } = parseYamlSource('f.yaml', text);
    if (problems.length > 0) return problems;
    const data: unknown = source.doc.toJS();
    const result = catalogSchema.safeParse(data);
    return result.success ? [] : yamlProblems(source, catalogSchema, data, result.error.issues);
  }

  it.each([
    ['', ['f.yaml:1:1 (top level): expected a map (key: value), got nothing — write a map (key: value) here']],
    [
      'slack: {defaultChannel: C0DEPLOY}\nenvironments: {}\nservices: {}\n',
      [
        'f.yaml:2:15 environments: no environments are declared — declare at least one, e.g. staging: { cluster: <context>, checklist: standard }',
        'f.yaml:3:11 services: no services are declared — declare at least one service to deploy',
      ],
    ],
    [
      'slack: {defaultChannel: C0DEPLOY}\nenvironments:\n  Prod: {cluster: c, checklist: standard}\nservices: {}\n',
      [
        'f.yaml:3:3 environments.Prod: key "Prod" is not valid — it must be lowercase letters, digits and dashes, start with a letter, end with a letter or digit, at most 63 characters',
        'f.yaml:4:11 services: no services are declared — declare at least one service to deploy',
      ],
    ],
    [
      `${CATALOG_HEAD}services:\n  api:\n${SERVICE}    image: registry.example.com/acme/api@sha256:abc\n    environments: []\n`,
      [
        'f.yaml:9:12 services.api.image: "registry.example.com/acme/api@sha256:abc" has a digest — remove everything from "@"; flightdeck adds the version at deploy time',
        'f.yaml:10:19 services.api.environments: an empty list is not valid — it must list at least one environment',
      ],
    ],
    [
      `${CATALOG_HEAD}services:\n  api: &api\n${SERVICE}    image: acme/api\n    environments: [prod, prod]\n  web:\n    <<: *api\n    environments: [prod]\n    overrides:\n      prod: {replicas: 3}\n`,
      [
        'f.yaml:15:14 services.web.overrides.prod.replicas: unknown key "replicas" — remove it (allowed keys: namespace, deployment, container, image)',
        'f.yaml:10:26 services.api.environments[1]: "prod" is listed twice — remove one',
      ],
    ],
    [
      `slack: {defaultChannel: C0DEPLOY}\nroles: {leads: {users: [U0A]}}\nenvironments:\n  prod:\n    cluster: c\n    checklist: standard\n    emergency: {deployers: [leads], approver: leads, auditChannel: "#security"}\nservices:\n  api:\n${SERVICE}    image: acme/api\n    environments: [prod]\n`,
      [
        'f.yaml:7:68 environments.prod.emergency.auditChannel: "#security" is not valid — it must be a channel ID such as C0123ABCDEF (Slack shows it at the bottom of the channel details), not a #name',
      ],
    ],
  ])('%j', (text, expected) => {
    expect(problemsIn(text)).toEqual(expected);
  });
});

describe('resolveTarget', () => {
  it.each([
    ['api', 'staging', { cluster: 'staging-cluster', namespace: 'api', deployment: 'api', container: 'api', repository: 'registry.example.com:5000/acme/api' }],
    [
      'api',
      'production',
      {
        cluster: 'arn:aws:eks:eu-west-1:123456789012:cluster/prod',
        namespace: 'api-prod',
        deployment: 'api',
        container: 'api',
        repository: 'registry.example.com:5000/acme/api-hardened',
      },
    ],
    ['web', 'staging', { cluster: 'staging-cluster', namespace: 'web', deployment: 'web.frontend', container: 'nginx', repository: 'acme/web' }],
  ])('%s in %s', async (service, environment, expected) => {
    expect(resolveTarget(await loadCatalog(VALID), service, environment)).toEqual(expected);
  });

  it.each([
    ['billing', 'staging', 'unknown-service'],
    ['api', 'qa', 'unknown-environment'],
    ['toString', 'staging', 'unknown-service'],
  ])('%s in %s fails with %s', async (service, environment, code) => {
    const catalog = await loadCatalog(VALID);
    expect(() => resolveTarget(catalog, service, environment)).toThrow(expect.objectContaining({ code }));
  });
});

describe('loadConfig', () => {
  const envFor = (config: string, checklists = VALID_CHECKLISTS) =>
    loadEnv({ SLACK_BOT_TOKEN: 'xoxb-t', FLIGHTDECK_ROLE: 'worker', FLIGHTDECK_CONFIG: config, FLIGHTDECK_CHECKLISTS: checklists });

  it('loads the catalog and every referenced checklist (.yaml and .yml)', async () => {
    const env = envFor(VALID);
    const config = await loadConfig(env);
    expect([...config.checklists.keys()].sort()).toEqual(['careful', 'standard']);
    expect(config.configPath).toBe(VALID);
    expect(config.checklistDir).toBe(VALID_CHECKLISTS);
    expect(config.env).toBe(env);
  });

  it('points a missing checklist at the environment that names it', async () => {
    const file = path.join(FIX, 'catalog/missing-checklist.yaml');
    const err = await rejection(loadConfig(envFor(file)));
    expect(err.code).toBe('config-invalid');
    expect(err.message).toBe(
      `${file}:9:16 environments.production.checklist: no checklist file "nightly.yaml" in ${VALID_CHECKLISTS} — ` +
        `create ${VALID_CHECKLISTS}/nightly.yaml, or use one of careful, standard`,
    );
  });

  it('fails with checklist-invalid when only a checklist is at fault', async () => {
    const dir = path.join(FIX, 'broken/checklists');
    const err = await rejection(loadConfig(envFor(path.join(FIX, 'broken/flightdeck.yaml'), dir)));
    expect(err.code).toBe('checklist-invalid');
    expect(err.message).toBe(
      `${dir}/standard.yaml:9:18 phases[0].items[0].timeout: "1 hour" is not valid — it must be a whole number and a unit: ms, s, m, h or d (e.g. 90s, 10m)`,
    );
  });
});

describe('checkConfig', () => {
  it('passes the shipped example catalog and checklists', async () => {
    const problems = await checkConfig({ configPath: path.join(ROOT, 'flightdeck.example.yaml'), checklistDir: path.join(ROOT, 'checklists') });
    expect(problems).toEqual([]);
  });

  it('passes the valid fixtures', async () => {
    expect(await checkConfig({ configPath: VALID, checklistDir: VALID_CHECKLISTS })).toEqual([]);
  });

  it('reports the catalog, every checklist file and the cross references at once', async () => {
    const dir = path.join(FIX, 'checklists');
    const problems = await checkConfig({ configPath: path.join(FIX, 'catalog/undefined-environment.yaml'), checklistDir: dir });
    expect(problems.map((line) => line.slice(0, line.indexOf(' ')))).toEqual([
      `${FIX}/catalog/undefined-environment.yaml:13:29`,
      `${FIX}/catalog/undefined-environment.yaml:14:25`,
      `${FIX}/catalog/undefined-environment.yaml:16:7`,
      `${FIX}/catalog/undefined-environment.yaml:6:16`,
      `${dir}/bad-duration.yaml:9:18`,
      `${dir}/duplicate-item.yaml:12:13`,
      `${dir}/job-step-problems.yaml:12:67`,
      `${dir}/job-step-problems.yaml:10:20`,
      `${dir}/job-step-problems.yaml:9:9`,
      `${dir}/name-mismatch.yaml:1:7`,
      `${dir}/step-foreign-field.yaml:9:9`,
      `${dir}/step-foreign-field.yaml:15:9`,
      `${dir}/step-missing-field.yaml:7:9`,
      `${dir}/step-missing-field.yaml:10:9`,
      `${dir}/syntax-error.yaml:5:1`,
      `${dir}/unknown-key.yaml:9:9`,
      `${dir}/unknown-key.yaml:13:9`,
      `${dir}/wrong-type.yaml:6:13`,
      `${dir}/wrong-type.yaml:8:16`,
      `${dir}/wrong-type.yaml:11:17`,
      `${dir}/wrong-type.yaml:12:9`,
    ]);
  });

  it('checks only the named files, plus the referenced checklists', async () => {
    const file = path.join(FIX, 'checklists/bad-duration.yaml');
    const problems = await checkConfig({ configPath: VALID, checklistDir: VALID_CHECKLISTS, files: [file] });
    expect(problems).toEqual([
      `${file}:9:18 phases[0].items[0].timeout: "ten minutes" is not valid — it must be a whole number and a unit: ms, s, m, h or d (e.g. 90s, 10m)`,
    ]);
  });

  it('reports a missing checklist folder', async () => {
    const dir = path.join(FIX, 'no-such-folder');
    const problems = await checkConfig({ configPath: VALID, checklistDir: dir });
    expect(problems).toEqual([
      `${VALID}:6:16 environments.staging.checklist: no checklist file "standard.yaml" in ${dir} — create ${dir}/standard.yaml, or point FLIGHTDECK_CHECKLISTS at the folder that holds it (${dir} does not exist)`,
      `${VALID}:9:16 environments.production.checklist: no checklist file "careful.yaml" in ${dir} — create ${dir}/careful.yaml, or point FLIGHTDECK_CHECKLISTS at the folder that holds it (${dir} does not exist)`,
      `${dir}: checklist folder not found — create it, or point FLIGHTDECK_CHECKLISTS at it`,
    ]);
  });
});

describe('roles, authorization and traffic settings', () => {
  const ROLES = path.join(FIX, 'roles');

  it('reads roles and the per-environment and per-service settings', async () => {
    const catalog = await loadCatalog(path.join(ROLES, 'flightdeck.yaml'));
    expect(catalog.roles).toEqual({ 'tech-lead': { users: ['U0LEAD'] } });
    expect(catalog.environments.production).toMatchObject({ deployers: ['tech-lead'], confirmStart: true, confirmSignoffs: true, channel: 'C0PROD' });
    expect(catalog.services.api?.pagerduty).toEqual({ routingKeyEnv: 'PAGERDUTY_API_ROUTING_KEY', escalationPolicy: 'PABC123' });
    expect(resolveTarget(catalog, 'api', 'production')).toMatchObject({
      traffic: { route: 'api', stableService: 'api', canaryService: 'api-canary' },
      prometheusUrl: 'http://prometheus.monitoring:9090',
    });
    expect(resolveChannel(catalog, 'production', 'C0CMD')).toBe('C0PROD');
  });

  it('falls back from the environment channel to the invoking one, then the default', async () => {
    const catalog = await loadCatalog(VALID);
    expect(resolveChannel(catalog, 'staging', 'C0CMD')).toBe('C0CMD');
    expect(resolveChannel(catalog, 'staging', '')).toBe('C0DEPLOY');
  });

  it('reports bad role, authorization, traffic and PagerDuty settings at file:line:col', async () => {
    const file = path.join(FIX, 'catalog/bad-roles.yaml');
    const err = await rejection(loadCatalog(file));
    expect(err.message.split('\n').map((line) => line.replace(file, ''))).toEqual([
      ':5:22 roles.deployer.users[1]: "alice" is not valid — it must be a Slack user ID such as U0123ABCDEF (in Slack: the person\'s profile → ⋮ → Copy member ID), not a @name',
      ':6:13 roles.security: has neither users nor groups — list Slack user IDs under users, or user group IDs under groups',
      ':13:14 environments.production.channel: "#deploys" is not valid — it must be a channel ID such as C0123ABCDEF (Slack shows it at the bottom of the channel details), not a #name',
      ':14:20 environments.production.prometheusUrl: "prometheus:9090" is not valid — it must be an http:// or https:// URL',
      ':22:14 services.api.traffic.canaryService: required key is missing — add canaryService: <a string>',
      ':23:33 services.api.pagerduty.routingKeyEnv: "0123456789abcdef0123456789abcdef" is not valid — it must be the NAME of an environment variable holding the routing key (e.g. PAGERDUTY_API_ROUTING_KEY), never the key itself',
      ':23:85 services.api.pagerduty.escalationPolicy: "P12" is not valid — it must be a PagerDuty escalation policy ID such as PABC123 (shown in the policy\'s URL)',
      ':11:27 environments.production.deployers[1]: no role named "release-managers" — declare it under roles (with users or groups), or use one of deployer, security',
      ':12:19 environments.production.rollbackers[0]: no role named "oncall" — declare it under roles (with users or groups), or use one of deployer, security',
    ]);
  });

  it('cross-checks blue-green steps against the catalog: traffic settings are not blueGreen settings', async () => {
    const dir = path.join(FIX, 'blue-green');
    const config = path.join(dir, 'flightdeck.yaml');
    const problems = await checkConfig({ configPath: config, checklistDir: path.join(dir, 'checklists') });
    expect(problems).toEqual([
      `${config}:15:3 services.web: web deploys to production, whose checklist "blue-green" has preview/switch/scale-down steps, but web has no blueGreen settings — add blueGreen: { activeService: <Service>, previewService: <Service> } under services.web`,
    ]);
  });

  it('cross-checks checklist roles and traffic steps against the catalog', async () => {
    const config = path.join(ROLES, 'flightdeck.yaml');
    const problems = await checkConfig({ configPath: config, checklistDir: path.join(ROLES, 'checklists') });
    expect(problems).toEqual([
      `${config}:9:16 environments.production.checklist: checklist "canary" needs the role "security" (reviews security-relevant changes), which is not defined under roles — add roles.security with the users or groups who hold it`,
      `${config}:24:3 services.web: web deploys to production, whose checklist "canary" has canary/traffic/promote steps, but web has no traffic settings — add traffic: { route: <HTTPRoute name>, stableService: <Service>, canaryService: <Service> } under services.web`,
    ]);
  });

  it('rejects a regular phase after a follow-up, and steps in a follow-up', async () => {
    const file = path.join(FIX, 'follow-up/follow-up-order.yaml');
    const problems = await checkConfig({ configPath: VALID, checklistDir: VALID_CHECKLISTS, files: [file] });
    expect(problems.map((line) => line.replace(file, ''))).toEqual([
      ':8:31 phases[0].items[1].kind: a follow-up phase (with `after`) cannot hold steps: it runs after the deployment has finished — move the step to an earlier phase',
      ':9:5 phases[1]: a phase without `after` cannot follow the follow-up phase "later" — move it before "later", or give it an `after`',
    ]);
  });
});
