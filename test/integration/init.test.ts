import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type KubernetesEmulator, startKubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { WORKER_ACCOUNT, loadChartRbac } from '../../sandbox/kubernetes/load-chart-rbac.js';
import { writeKubeconfig } from '../../sandbox/kubernetes/write-kubeconfig.js';
import { checkConfig } from '../../src/config/check-config.js';
import { runInit } from '../../src/init/run-init.js';

let emu: KubernetesEmulator;
let dir: string;
let admin: string;
let worker: string;

beforeAll(async () => {
  emu = await startKubernetesEmulator({ readyDelayMs: 10, tickMs: 10, tls: true });
  emu.seedDeployment({ namespace: 'shop', name: 'api', container: 'api', image: 'registry.example.com/acme/api:1.4.2', replicas: 2 });
  emu.seedDeployment({ namespace: 'shop', name: 'web', container: 'nginx', image: 'nginx:1.27@sha256:' + 'a'.repeat(64), replicas: 1 });
  emu.seedDeployment({ namespace: 'payments', name: 'web', container: 'web', image: 'registry.example.com:5000/pay/web', replicas: 1 });
  emu.seedDeployment({ namespace: 'payments', name: 'ledger.v2', container: 'ledger', image: 'ghcr.io/acme/ledger:2', replicas: 1 });
  emu.seedDeployment({ namespace: 'kube-system', name: 'coredns', container: 'coredns', image: 'registry.k8s.io/coredns:1.11', replicas: 1 });
  emu.applyRbac(loadChartRbac(['shop']));
  dir = await mkdtemp(join(tmpdir(), 'flightdeck-init-'));
  admin = join(dir, 'kubeconfig-admin');
  worker = join(dir, 'kubeconfig-worker');
  const server = { server: emu.url, ...(emu.caPem ? { caPem: emu.caPem } : {}) };
  writeKubeconfig(admin, [{ context: 'arn:aws:eks:eu-west-1:1234:cluster/Prod', token: emu.token, ...server }]);
  writeKubeconfig(worker, [{ context: 'shop-deployer', namespace: 'shop', token: emu.serviceAccountToken(WORKER_ACCOUNT.namespace, WORKER_ACCOUNT.name), ...server }]);
});

afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

async function init(args: string[], kubeconfig: string | undefined) {
  const local = { kubeconfig, searchPath: process.env.PATH };
  const out: string[] = [];
  const err: string[] = [];
  const code = await runInit(args, local, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

async function written(folder: string) {
  const text = await readFile(join(folder, 'flightdeck.yaml'), 'utf8');
  return { text, catalog: parse(text) as { environments: Record<string, { cluster: string; checklist: string }>; services: Record<string, Record<string, unknown>> } };
}

describe('flightdeck init', () => {
  it('writes one service per Deployment the context shows, outside kube-*, and the result passes check', async () => {
    const folder = join(dir, 'cluster-wide');
    const r = await init(['--channel', 'C0DEPLOYS', '--dir', folder], admin);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { catalog } = await written(folder);
    expect(catalog.environments).toEqual({ 'arn-aws-eks-eu-west-1-1234-cluster-prod': { cluster: 'arn:aws:eks:eu-west-1:1234:cluster/Prod', checklist: 'standard' } });
    expect(catalog.services).toEqual({
      'ledger-v2': { namespace: 'payments', deployment: 'ledger.v2', container: 'ledger', image: 'ghcr.io/acme/ledger', environments: ['arn-aws-eks-eu-west-1-1234-cluster-prod'] },
      'web-payments': { namespace: 'payments', deployment: 'web', container: 'web', image: 'registry.example.com:5000/pay/web', environments: ['arn-aws-eks-eu-west-1-1234-cluster-prod'] },
      api: { namespace: 'shop', deployment: 'api', container: 'api', image: 'registry.example.com/acme/api', environments: ['arn-aws-eks-eu-west-1-1234-cluster-prod'] },
      'web-shop': { namespace: 'shop', deployment: 'web', container: 'nginx', image: 'nginx', environments: ['arn-aws-eks-eu-west-1-1234-cluster-prod'] },
    });
    expect(await checkConfig({ configPath: join(folder, 'flightdeck.yaml'), checklistDir: join(folder, 'checklists') })).toEqual([]);
    expect(await readFile(join(folder, 'checklists', 'standard.yaml'), 'utf8')).toBe(await readFile('checklists/standard.yaml', 'utf8'));
  });

  it('with an identity that may not list cluster-wide (the chart worker), lists its context namespace', async () => {
    const folder = join(dir, 'namespaced');
    const r = await init(['--channel', 'C0DEPLOYS', '--dir', folder, '--environment', 'production'], worker);
    expect(r.code).toBe(0);
    const { catalog } = await written(folder);
    expect(Object.keys(catalog.services)).toEqual(['api', 'web']);
    expect(catalog.environments.production?.cluster).toBe('shop-deployer');
    expect(r.stdout).toContain('2 service(s): api, web');
  });

  it('overwrites nothing without --force, and replaces with it', async () => {
    const folder = join(dir, 'existing');
    expect((await init(['--channel', 'C0DEPLOYS', '--dir', folder, '--no-cluster'], admin)).code).toBe(0);
    await writeFile(join(folder, 'flightdeck.yaml'), '# mine\n');
    const again = await init(['--channel', 'C0DEPLOYS', '--dir', folder], admin);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('standard.yaml already exist; nothing was written');
    expect(await readFile(join(folder, 'flightdeck.yaml'), 'utf8')).toBe('# mine\n');
    expect((await init(['--channel', 'C0DEPLOYS', '--dir', folder, '--force'], admin)).code).toBe(0);
    expect(Object.keys((await written(folder)).catalog.services)).toContain('api');
  });

  it('without a kubeconfig context writes an example service on in-cluster that passes check', async () => {
    const folder = join(dir, 'no-cluster');
    const r = await init(['--channel', 'G0PRIVATE', '--dir', folder], join(dir, 'no-such-kubeconfig'));
    expect(r.code).toBe(0);
    const { text, catalog } = await written(folder);
    expect(catalog.environments).toEqual({ staging: { cluster: 'in-cluster', checklist: 'standard' } });
    expect(Object.keys(catalog.services)).toEqual(['api']);
    expect(text).toContain('Replace the example service');
    expect(await checkConfig({ configPath: join(folder, 'flightdeck.yaml'), checklistDir: join(folder, 'checklists') })).toEqual([]);
  });

  it.each([
    [[], '--channel is required'],
    [['--channel', '#deploys'], '--channel must be a channel ID such as C0123ABCDEF'],
    [['--channel', 'C0DEPLOYS', '--environment', 'Prod'], '--environment must be lowercase letters'],
    [['--channel', 'C0DEPLOYS', '--namespace', 'shop'], 'Unknown argument "--namespace"'],
    [['--channel'], '--channel needs a value'],
  ])('refuses %j with a specific message and writes nothing', async (args, message) => {
    const folder = join(dir, 'refused');
    await expect(init([...args, '--dir', folder], admin)).rejects.toThrow(message);
    expect(existsSync(folder)).toBe(false);
  });

  it('names the context and the status when the cluster cannot be listed', async () => {
    const broken = join(dir, 'kubeconfig-broken');
    writeKubeconfig(broken, [{ context: 'gone', server: emu.url, token: 'not-a-token', ...(emu.caPem ? { caPem: emu.caPem } : {}) }]);
    const folder = join(dir, 'unauthorized');
    await expect(init(['--channel', 'C0DEPLOYS', '--dir', folder], broken)).rejects.toThrow(/Cannot list Deployments in context "gone" \(HTTP 401\)/);
    expect(existsSync(folder)).toBe(false);
  });
});
