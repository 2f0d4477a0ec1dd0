import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { BOT_SCOPES } from '../../src/slack/build-manifest.js';
import { E2E_CHECKLIST } from '../e2e/fixtures.js';
import { startKubernetesEmulator, writeKubeconfigFor, type KObject, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { startPagerDutyEmulator, type PagerDutyEmulator } from '../../sandbox/pagerduty/index.js';
import { startSlackEmulator, type SlackEmulator } from '../../sandbox/slack/index.js';
import { requireTool, skipWithout } from '../support/skip-without.js';
import { goUnavailable, renderChart, type RenderedObject } from './render-chart.js';

type AnyRecord = Record<string, any>;
type Files = Record<string, Record<string, string>>;

const RBAC_KINDS = ['ServiceAccount', 'Role', 'RoleBinding'];

/**
 * What the kubelet gives the doctor Pod's container, made on this machine: every volume as a directory (the
 * ConfigMaps and Secrets the chart rendered, or `external` ones the operator made), every Secret reference
 * resolved (a missing key fails, as CreateContainerConfigError would, unless optional), and every path in the
 * environment that lies under a mount pointed at that mount's directory.
 */
function asKubelet(pod: AnyRecord, objects: RenderedObject[], external: { secrets: Files; configMaps: Files }, root: string): Record<string, string> {
  const data = (kind: 'Secret' | 'ConfigMap', name: string): Record<string, string> | undefined => {
    const rendered = objects.find((o) => o.kind === kind && o.metadata.name === name) as AnyRecord | undefined;
    if (rendered) return kind === 'Secret' ? rendered.stringData : rendered.data;
    return (kind === 'Secret' ? external.secrets : external.configMaps)[name];
  };
  const volumeDirs = new Map<string, string>();
  for (const volume of pod.spec.volumes as AnyRecord[]) {
    const dir = join(root, volume.name);
    mkdirSync(dir, { recursive: true });
    volumeDirs.set(volume.name, dir);
    const source = volume.configMap ? data('ConfigMap', volume.configMap.name) : volume.secret ? data('Secret', volume.secret.secretName) : {};
    if (!source) throw new Error(`volume ${volume.name}: its ConfigMap or Secret does not exist`);
    const items: AnyRecord[] = (volume.configMap ?? volume.secret)?.items ?? Object.keys(source).map((key) => ({ key, path: key }));
    for (const { key, path } of items) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), source[key] ?? '');
    }
  }
  const container = pod.spec.containers[0] as AnyRecord;
  const mounts = (container.volumeMounts as AnyRecord[]).map((m) => ({ path: m.mountPath as string, dir: volumeDirs.get(m.name)! }));
  const onThisMachine = (value: string) => {
    const mount = mounts.find((m) => value === m.path || value.startsWith(`${m.path}/`));
    return mount ? mount.dir + value.slice(mount.path.length) : value;
  };
  const env: Record<string, string> = {};
  for (const variable of container.env as AnyRecord[]) {
    if (variable.value !== undefined) {
      env[variable.name] = onThisMachine(String(variable.value));
      continue;
    }
    const ref = variable.valueFrom.secretKeyRef;
    const value = data('Secret', ref.name)?.[ref.key];
    if (value !== undefined) env[variable.name] = value;
    else if (!ref.optional) throw new Error(`${variable.name}: Secret ${ref.name} has no key ${ref.key}; the pod would not start`);
  }
  return env;
}

let slack: SlackEmulator;
let pagerduty: PagerDutyEmulator;
const clusters: KubernetesEmulator[] = [];

/** Values an operator would write for a release whose one environment is another cluster (a kubeconfig context). */
const valuesFile = () => {
  const file = join(mkdtempSync(join(tmpdir(), 'flightdeck-doctor-hook-')), 'values.yaml');
  const catalog = `slack: { defaultChannel: C0DEPLOY }
environments:
  production: { cluster: production, checklist: release }
services:
  api:
    namespace: shop
    deployment: api
    container: api
    image: registry.example.com/acme/api
    environments: [production]
    pagerduty: { routingKeyEnv: API_ROUTING_KEY, escalationPolicy: PESCAL1 }
`;
  writeFileSync(
    file,
    stringify({
      slack: { apiUrl: slack.apiUrl },
      secrets: { slackBotToken: slack.token, slackSigningSecret: 'unused-by-workers', redisUrl: 'redis://127.0.0.1:6379', pagerdutyToken: pagerduty.apiToken, routingKeys: { 'pd-api': pagerduty.routingKey } },
      pagerduty: { apiUrl: pagerduty.apiUrl, routingKeys: [{ env: 'API_ROUTING_KEY', key: 'pd-api' }] },
      kubeconfig: { secretName: 'flightdeck-kubeconfig' },
      // The other cluster gets the Role the chart renders for its namespaces (docs/operations.md, multi-cluster).
      rbac: { targetNamespaces: ['shop'] },
      config: { catalog, checklists: { release: E2E_CHECKLIST } },
    }),
  );
  return file;
};

/** Installs the chart's RBAC in a fresh emulated cluster and runs the rendered doctor Pod as the kubelet would. */
async function helmTest(editRole: (rules: KObject[]) => KObject[] = (rules) => rules): Promise<{ code: number; lines: string[]; identity: string }> {
  const objects = renderChart([valuesFile()], 'flightdeck', 'flightdeck').objects;
  const pod = objects.find((o) => o.kind === 'Pod' && o.metadata.annotations?.['helm.sh/hook'] === 'test') as AnyRecord;
  const cluster = await startKubernetesEmulator();
  clusters.push(cluster);
  cluster.applyRbac(objects.filter((o) => RBAC_KINDS.includes(o.kind)).map(({ template: _t, ...o }) => (o.kind === 'Role' ? { ...o, rules: editRole(o.rules as KObject[]) } : o)) as KObject[]);
  const root = mkdtempSync(join(tmpdir(), 'flightdeck-doctor-pod-'));
  const kubeconfig = join(root, 'operator.kubeconfig');
  // The identity the Pod runs as: its ServiceAccount's token, in the kubeconfig the operator stores in a Secret.
  writeKubeconfigFor(kubeconfig, [{ context: 'production', emulator: cluster, token: cluster.serviceAccountToken('flightdeck', pod.spec.serviceAccountName) }]);
  const env = asKubelet(pod, objects, { secrets: { 'flightdeck-kubeconfig': { kubeconfig: readFileSync(kubeconfig, 'utf8') } }, configMaps: {} }, join(root, 'pod'));
  let out = '';
  const code = await runDoctor(env, { stdout: (text) => void (out += text) });
  return { code, lines: out.trimEnd().split('\n'), identity: `system:serviceaccount:flightdeck:${pod.spec.serviceAccountName}` };
}

const line = (lines: string[], check: string) => lines.find((l) => l.slice(9).startsWith(`${check}:`));
const unavailable = goUnavailable();

describe.skipIf(skipWithout(unavailable, 'the Helm test (doctor) against the emulators'))('helm test: the chart\'s doctor Pod, as rendered, against the emulators', () => {
  beforeAll(async () => {
    requireTool(unavailable);
    slack = await startSlackEmulator({ scopes: BOT_SCOPES });
    pagerduty = await startPagerDutyEmulator();
    pagerduty.addUser({ id: 'PALICE', name: 'Alice', email: 'alice@example.com' });
    pagerduty.setOnCall('PESCAL1', ['PALICE']);
  });

  afterAll(async () => {
    await Promise.all([slack?.close(), pagerduty?.close(), ...clusters.map((c) => c.close())]);
  });

  it('passes with the worker\'s account, environment, Secret and mounts', async () => {
    const { code, lines, identity } = await helmTest();
    expect(lines.filter((l) => l.startsWith('FAILED'))).toEqual([]);
    expect(code).toBe(0);
    expect(identity).toBe('system:serviceaccount:flightdeck:flightdeck-worker');
    expect(line(lines, 'environment')).toMatch(/^ok .*role worker/);
    expect(line(lines, 'catalog')).toMatch(/^ok .*1 service\(s\), 1 environment\(s\)/);
    expect(line(lines, 'cluster production (production)')).toMatch(new RegExp(`^ok .*as ${identity}: all \\d+ permissions in shop`));
    expect(line(lines, 'pagerduty api')).toMatch(/^ok .*API_ROUTING_KEY/);
    expect(lines.at(-1)).toBe('flightdeck can run here');
  });

  it('fails, naming the verb, when the Role the chart rendered lacks one', async () => {
    const withoutWatch = (rules: KObject[]) => rules.map((r) => (r.resources.includes('jobs') ? { ...r, verbs: r.verbs.filter((v: string) => v !== 'watch') } : r));
    const { code, lines } = await helmTest(withoutWatch);
    expect(code).toBe(1);
    expect(line(lines, 'cluster production (production)')).toMatch(/^FAILED .*may not watch jobs\.batch in shop/);
  });
});
