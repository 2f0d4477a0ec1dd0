import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubernetesEmulator, startKubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { WEB_ACCOUNT, WORKER_ACCOUNT, loadChartRbac } from '../../sandbox/kubernetes/load-chart-rbac.js';

/** What a person types while watching a deploy, run with the real kubectl against the emulator and the chart's RBAC. */
const KUBECTL = process.env.KUBECTL ?? 'kubectl';

function kubectlAvailable(): boolean {
  try {
    execFileSync(KUBECTL, ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const available = kubectlAvailable();
if (!available) console.warn('Skipping the kubectl tests: kubectl is not installed (apt-get install kubernetes-client).');

let emu: KubernetesEmulator;
let dir: string;
const config: Record<'admin' | 'worker' | 'web', string> = { admin: '', worker: '', web: '' };

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(as: keyof typeof config, ...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(KUBECTL, ['--kubeconfig', config[as], '--cache-dir', join(dir, 'cache'), '--request-timeout=20s', ...args], { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Table rows as cells, header dropped. */
const rows = (out: string) =>
  out
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/));

beforeAll(async () => {
  if (!available) return;
  // TLS: kubectl sends bearer tokens only over https.
  emu = await startKubernetesEmulator({ readyDelayMs: 100, tickMs: 10, tls: true });
  emu.seedDeployment({ namespace: 'shop', name: 'api', container: 'api', image: 'reg/api:1', replicas: 3 });
  emu.seedDeployment({ namespace: 'payments', name: 'ledger', container: 'ledger', image: 'reg/ledger:1', replicas: 1 });
  emu.applyRbac(loadChartRbac(['shop']));
  dir = await mkdtemp(join(tmpdir(), 'kubectl-cluster-'));
  for (const [as, token] of [
    ['admin', emu.token],
    ['worker', emu.serviceAccountToken(WORKER_ACCOUNT.namespace, WORKER_ACCOUNT.name)],
    ['web', emu.serviceAccountToken(WEB_ACCOUNT.namespace, WEB_ACCOUNT.name)],
  ] as const) {
    config[as] = join(dir, `kubeconfig-${as}`);
    emu.writeKubeconfig(config[as], 'emu', token);
  }
});

afterAll(async () => {
  if (!available) return;
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!available)('kubectl against the emulator, under the chart RBAC', () => {
  it('auth can-i answers from the chart Role: the worker may create deployments, not read secrets; web may not patch', async () => {
    const create = await kubectl('worker', 'auth', 'can-i', 'create', 'deployments', '-n', 'shop');
    expect([create.code, create.stdout.trim()]).toEqual([0, 'yes']);
    const secrets = await kubectl('worker', 'auth', 'can-i', 'get', 'secrets', '-n', 'shop');
    expect([secrets.code, secrets.stdout.trim()]).toEqual([1, 'no']);
    const elsewhere = await kubectl('worker', 'auth', 'can-i', 'patch', 'deployments', '-n', 'payments');
    expect([elsewhere.code, elsewhere.stdout.trim()]).toEqual([1, 'no']);
    const web = await kubectl('web', 'auth', 'can-i', 'patch', 'deployments', '-n', 'shop');
    expect([web.code, web.stdout.trim()]).toEqual([1, 'no']);
    const whoami = await kubectl('worker', 'auth', 'whoami');
    expect(whoami.stdout).toContain('system:serviceaccount:flightdeck:flightdeck-worker');
  });

  it('a forbidden request fails with the API server 403 in kubectl words', async () => {
    // kubectl patch reads the object first: the web account is refused already there.
    const r = await kubectl('web', '-n', 'shop', 'patch', 'deployment/api', '-p', '{"spec":{"replicas":2}}');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'Error from server (Forbidden): deployments.apps "api" is forbidden: User "system:serviceaccount:flightdeck:flightdeck-web" cannot get resource "deployments" in API group "apps" in the namespace "shop"',
    );
    const worker = await kubectl('worker', '-n', 'shop', 'delete', 'deployment/api');
    expect(worker.code).toBe(1);
    expect(worker.stderr).toContain('cannot delete resource "deployments" in API group "apps" in the namespace "shop"');
    expect(emu.getDeployment('shop', 'api').spec.replicas).toBe(3);
  });

  it('get deployments -A lists every namespace with a NAMESPACE column; the worker may not list cluster-wide', async () => {
    const r = await kubectl('admin', 'get', 'deployments', '-A');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+READY/);
    expect(rows(r.stdout).map((c) => `${c[0]}/${c[1]}`)).toEqual(['payments/ledger', 'shop/api']);
    const worker = await kubectl('worker', 'get', 'deployments', '-A');
    expect(worker.code).toBe(1);
    expect(worker.stderr).toContain('cannot list resource "deployments" in API group "apps" at the cluster scope');
  });

  it('get ns lists the namespaces, active', async () => {
    const r = await kubectl('admin', 'get', 'ns');
    expect(r.code).toBe(0);
    const names = rows(r.stdout).map(([name, status]) => `${name} ${status}`);
    expect(names).toEqual(expect.arrayContaining(['default Active', 'kube-system Active', 'shop Active', 'payments Active']));
  });

  it('scale deploy/api --replicas=4 goes through the scale subresource, and get events shows the ScalingReplicaSet events', async () => {
    const r = await kubectl('admin', '-n', 'shop', 'scale', 'deploy/api', '--replicas=4');
    expect([r.code, r.stdout.trim()]).toEqual([0, 'deployment.apps/api scaled']);
    expect(emu.requests.some((q) => q.method === 'PATCH' && q.path === '/apis/apps/v1/namespaces/shop/deployments/api/scale')).toBe(true);
    expect(emu.getDeployment('shop', 'api').spec.replicas).toBe(4);
    let events: string[][] = [];
    for (let i = 0; i < 50 && !events.some((c) => c.join(' ').includes('to 4 from 3')); i++) {
      events = rows((await kubectl('admin', '-n', 'shop', 'get', 'events')).stdout);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const scaling = events.filter((c) => c[2] === 'ScalingReplicaSet').map((c) => `${c[3]} ${c.slice(4).join(' ')}`);
    expect(scaling).toEqual(
      expect.arrayContaining([expect.stringMatching(/^deployment\/api Scaled up replica set api-\S+ to 3$/), expect.stringMatching(/^deployment\/api Scaled up replica set api-\S+ to 4 from 3$/)]),
    );
    // The worker holds no rights to scale through the subresource: the chart grants patch on deployments only.
    const worker = await kubectl('worker', '-n', 'shop', 'scale', 'deploy/api', '--replicas=5');
    expect(worker.code).toBe(1);
    expect(worker.stderr).toContain('cannot patch resource "deployments/scale" in API group "apps" in the namespace "shop"');
  });
});
