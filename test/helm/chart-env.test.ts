import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV_VARIABLES, type Env, loadEnv } from '../../src/config/load-env.js';
import { requireTool, skipWithout } from '../support/skip-without.js';
import { CHART_DIR, goUnavailable, renderChart, type RenderedObject } from './render-chart.js';

type AnyRecord = Record<string, any>;
type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };

const values = (...names: string[]) => names.map((name) => join(import.meta.dirname, 'values', `${name}.yaml`));

/** Variables flightdeck reads that no value of the chart sets, and why none needs to. */
const SET_BY_KUBERNETES: Record<string, string> = {
  KUBERNETES_SERVICE_HOST: 'the kubelet sets it in every pod',
  http_proxy: 'the lowercase forms only win over the uppercase ones the chart sets (proxy.*) where a host sets both',
  https_proxy: 'the lowercase forms only win over the uppercase ones the chart sets (proxy.*) where a host sets both',
  no_proxy: 'the lowercase forms only win over the uppercase ones the chart sets (proxy.*) where a host sets both',
};

/** Each numeric variable and the value that sets it, for the range check against values.schema.json. */
const NUMERIC_VALUES: Record<string, string> = {
  PORT: 'containerPort',
  WORKER_CONCURRENCY: 'worker.concurrency',
  WORKER_LOCK_MS: 'worker.lockMs',
  RECONCILE_INTERVAL_MS: 'worker.reconcileIntervalMs',
  K8S_REQUEST_TIMEOUT_MS: 'kubernetes.requestTimeoutMs',
  MESSAGE_LAG_BOUND_MS: 'runs.messageLagBoundMs',
  RUN_RETENTION_DAYS: 'runs.retentionDays',
  AUDIT_MAX_ENTRIES: 'audit.maxEntries',
  AUDIT_REFUSALS_PER_MINUTE: 'audit.refusalsPerMinute',
  AUDIT_ARCHIVE_DAYS: 'audit.archiveDays',
  API_REQUESTS_PER_MINUTE: 'api.requestsPerMinute',
};
/** Where the schema is deliberately narrower than the code, and why. */
const NARROWER: Record<string, string> = { PORT: 'a non-root process cannot bind below 1024' };

/** What the chart decides itself (where files are mounted, who the installation is), not a code default. */
const CHOSEN_BY_CHART: Array<keyof Env> = ['role', 'redisPrefix', 'installation', 'configPath', 'checklistDir', 'inCluster'];

/** Plausible values for what pods read from Secrets, so loadEnv can parse a rendered environment. */
const SECRET_STAND_INS: Record<string, string> = {
  'slack-bot-token': 'xoxb-stand-in',
  'slack-signing-secret': 'stand-in-signing-secret',
  'slack-app-token': 'xapp-stand-in',
  'redis-url': 'redis://redis.example.internal:6379',
  'pagerduty-token': 'stand-in-pagerduty-token',
  'api-tokens': '[]',
};

const containersOf = (objects: RenderedObject[]) =>
  objects.flatMap((o: AnyRecord) => (o.kind === 'Deployment' ? o.spec.template.spec.containers : o.kind === 'Pod' ? o.spec.containers : [])) as Array<{ env: EnvVar[] }>;

const envOf = (objects: RenderedObject[], kind: string, name: string): EnvVar[] => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name) as AnyRecord | undefined;
  if (!found) throw new Error(`no ${kind} ${name}`);
  return (kind === 'Pod' ? found.spec : found.spec.template.spec).containers[0].env;
};

/** The process environment a container gets: literal values as they are, Secret references as stand-ins. */
const asProcessEnv = (env: EnvVar[]) =>
  Object.fromEntries(env.map((v) => [v.name, v.value ?? SECRET_STAND_INS[v.valueFrom!.secretKeyRef!.key] ?? 'stand-in']));

const without = (env: Env, keys: Array<keyof Env>) => Object.fromEntries(Object.entries(env).filter(([key]) => !keys.includes(key as keyof Env)));

const schemaAt = (path: string): AnyRecord => {
  let node: AnyRecord = JSON.parse(readFileSync(resolve(CHART_DIR, 'values.schema.json'), 'utf8'));
  for (const part of path.split('.')) node = node.properties[part];
  return node;
};

const unavailable = goUnavailable();

describe('variables flightdeck reads (src/config/load-env.ts)', () => {
  it('are found in the zod schema, so the coverage below cannot pass by finding none', () => {
    expect(ENV_VARIABLES).toEqual(expect.arrayContaining(['SLACK_BOT_TOKEN', 'MESSAGE_LAG_BOUND_MS', 'RECONCILE_INTERVAL_MS', 'AUDIT_MAX_ENTRIES']));
    for (const name of Object.keys(SET_BY_KUBERNETES)) expect(ENV_VARIABLES).toContain(name);
  });

  it.each(Object.entries(NUMERIC_VALUES))('%s: values.schema.json allows what the code accepts at %s', (variable, path) => {
    const node = schemaAt(path);
    expect(node.type).toBe('integer');
    const parse = (value: number) => () => loadEnv({ SLACK_BOT_TOKEN: 'xoxb-x', FLIGHTDECK_ROLE: 'worker', [variable]: String(value) });
    expect(parse(node.minimum)).not.toThrow();
    expect(parse(node.maximum)).not.toThrow();
    if (NARROWER[variable]) return;
    // Not narrower either: a value the code refuses must be refused by `helm install`, not by a crash-looping pod.
    expect(parse(node.minimum - 1)).toThrow(variable);
    expect(parse(node.maximum + 1)).toThrow(variable);
  });
});

describe.skipIf(skipWithout(unavailable, 'the Helm chart environment tests'))('the chart sets every variable flightdeck reads', () => {
  beforeAll(() => requireTool(unavailable));

  it('each one is set by a pod of some configuration (a new variable without a chart value fails here)', () => {
    const renders = [values('secrets', 'every-setting'), values('socket-mode')].map((files) => renderChart(files).objects);
    const set = new Set(renders.flatMap(containersOf).flatMap((c) => c.env.map((v) => v.name)));
    const missing = ENV_VARIABLES.filter((name) => !set.has(name) && !(name in SET_BY_KUBERNETES));
    expect(missing, 'add a value to helm/flightdeck (values.yaml, values.schema.json, templates/_env.tpl)').toEqual([]);
  });

  it.each([
    ['web', 'Deployment', 'fd-flightdeck-web'],
    ['worker', 'Deployment', 'fd-flightdeck-worker'],
    ['doctor test', 'Pod', 'fd-flightdeck-doctor'],
  ])('by default the %s environment parses, with the code\'s own defaults', (_role, kind, name) => {
    const env = asProcessEnv(envOf(renderChart(values('secrets')).objects, kind, name));
    const parsed = loadEnv(env);
    const defaults = loadEnv({ SLACK_BOT_TOKEN: 'xoxb-x', SLACK_SIGNING_SECRET: 'x' });
    // values.yaml repeats the code's defaults (so they are visible to operators); they must not drift apart.
    expect(without(parsed, CHOSEN_BY_CHART)).toEqual(without(defaults, CHOSEN_BY_CHART));
    expect(parsed).toMatchObject({ configPath: '/etc/flightdeck/flightdeck.yaml', checklistDir: '/etc/flightdeck/checklists', redisPrefix: 'fd', installation: 'flightdeck/fd' });
  });

  it('every setting, when set, parses as flightdeck reads it', () => {
    const objects = renderChart(values('secrets', 'every-setting')).objects;
    const worker = loadEnv(asProcessEnv(envOf(objects, 'Deployment', 'fd-flightdeck-worker')));
    expect(worker).toMatchObject({
      slackApiUrl: 'https://slack.example.internal/api/',
      checklistDurationCap: 2000,
      kubeconfig: '/etc/flightdeck-kube/kubeconfig',
      pagerdutyCaFile: '/etc/flightdeck-ca/ca.crt',
      probeConnectTo: [expect.anything()],
    });
    expect(worker.readVariable('PD_ROUTING_KEY_API')).toBe('stand-in');
  });
});
