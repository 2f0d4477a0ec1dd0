import { execFile, execFileSync, spawn } from 'node:child_process';
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

const baseArgs = (as: keyof typeof config) => ['--kubeconfig', config[as], '--cache-dir', join(dir, 'cache'), '--request-timeout=20s'];

function kubectl(as: keyof typeof config, ...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(KUBECTL, [...baseArgs(as), ...args], { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) =>
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

const pause = () => new Promise((resolve) => setTimeout(resolve, 50));

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
    // A real API server lists Secrets in discovery, so kubectl answers without "doesn't have a resource type".
    expect(secrets.stderr).toBe('');
    const elsewhere = await kubectl('worker', 'auth', 'can-i', 'patch', 'deployments', '-n', 'payments');
    expect([elsewhere.code, elsewhere.stdout.trim()]).toEqual([1, 'no']);
    const web = await kubectl('web', 'auth', 'can-i', 'patch', 'deployments', '-n', 'shop');
    expect([web.code, web.stdout.trim()]).toEqual([1, 'no']);
    const whoami = await kubectl('worker', 'auth', 'whoami');
    expect(whoami.stdout).toContain('system:serviceaccount:flightdeck:flightdeck-worker');
  });

  it('a forbidden request fails with the API server 403 in kubectl words', async () => {
    const replicas = emu.getDeployment('shop', 'api').spec.replicas;
    // kubectl patch reads the object first: the web account is refused already there.
    const r = await kubectl('web', '-n', 'shop', 'patch', 'deployment/api', '-p', '{"spec":{"replicas":2}}');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'Error from server (Forbidden): deployments.apps "api" is forbidden: User "system:serviceaccount:flightdeck:flightdeck-web" cannot get resource "deployments" in API group "apps" in the namespace "shop"',
    );
    const worker = await kubectl('worker', '-n', 'shop', 'delete', 'deployment/api');
    expect(worker.code).toBe(1);
    expect(worker.stderr).toContain('cannot delete resource "deployments" in API group "apps" in the namespace "shop"');
    // Neither refused request changed the Deployment (whatever the other tests, shuffled, left it at).
    expect(emu.getDeployment('shop', 'api').spec.replicas).toBe(replicas);
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

  it('scale deploy/api goes through the scale subresource, and get events shows the ScalingReplicaSet events', async () => {
    // Relative to what it holds now: another test of this file (CI shuffles them) may have scaled it already.
    const before = emu.getDeployment('shop', 'api').spec.replicas as number;
    const target = before + 1;
    const r = await kubectl('admin', '-n', 'shop', 'scale', 'deploy/api', `--replicas=${target}`);
    expect([r.code, r.stdout.trim()]).toEqual([0, 'deployment.apps/api scaled']);
    expect(emu.requests.some((q) => q.method === 'PATCH' && q.path === '/apis/apps/v1/namespaces/shop/deployments/api/scale')).toBe(true);
    expect(emu.getDeployment('shop', 'api').spec.replicas).toBe(target);
    let events: string[][] = [];
    for (let i = 0; i < 50 && !events.some((c) => c.join(' ').includes(`to ${target} from ${before}`)); i++) {
      events = rows((await kubectl('admin', '-n', 'shop', 'get', 'events')).stdout);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const scaling = events.filter((c) => c[2] === 'ScalingReplicaSet').map((c) => `${c[3]} ${c.slice(4).join(' ')}`);
    expect(scaling).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^deployment\/api Scaled up replica set api-\S+ to 3$/),
        expect.stringMatching(new RegExp(`^deployment/api Scaled up replica set api-\\S+ to ${target} from ${before}$`)),
      ]),
    );
    // The worker holds no rights to scale through the subresource: the chart grants patch on deployments only.
    const worker = await kubectl('worker', '-n', 'shop', 'scale', 'deploy/api', `--replicas=${target + 1}`);
    expect(worker.code).toBe(1);
    expect(worker.stderr).toContain('cannot patch resource "deployments/scale" in API group "apps" in the namespace "shop"');
  });

  it('get deploy -w prints the table once, then a line each time the Deployment changes, as the worker the Role lets watch', async () => {
    const from = Number(emu.getDeployment('shop', 'api').spec.replicas);
    const to = from + 2;
    const child = spawn(KUBECTL, [...baseArgs('worker'), '-n', 'shop', 'get', 'deploy', '-w'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const lines = () => out.split('\n').filter((l) => l.trim() !== '');
    const until = async (ok: () => boolean) => {
      while (!ok()) {
        if (child.exitCode !== null) throw new Error(`kubectl get -w ended early (${child.exitCode}): ${err}`);
        await pause();
      }
    };
    try {
      await until(() => lines().some((l) => l.startsWith('api ')));
      const scaled = await kubectl('admin', '-n', 'shop', 'scale', 'deploy/api', `--replicas=${to}`);
      expect(scaled.code).toBe(0);
      // READY counts up to the new size as the controller brings pods up; the last line says all are ready.
      await until(() => lines().some((l) => new RegExp(`^api\\s+${to}/${to}\\s`).test(l)));
    } finally {
      child.kill();
      await exited;
    }
    const shown = lines();
    expect(shown.filter((l) => /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/.test(l))).toHaveLength(1);
    expect(shown[1]).toMatch(new RegExp(`^api\\s+${from}/${from}\\s`));
    expect(shown.some((l) => new RegExp(`^api\\s+\\d+/${to}\\s`).test(l))).toBe(true);
    const watch = emu.requests.find((q) => q.user === 'system:serviceaccount:flightdeck:flightdeck-worker' && q.query.watch !== undefined && q.path === '/apis/apps/v1/namespaces/shop/deployments');
    expect(watch?.accept).toContain('as=Table');
    expect(watch?.denied).toBe(false);
  });

  it('logs job/<name> finds the Job pod by its selector and prints its log; the worker may, outside its namespace it may not', async () => {
    emu.jobOutcome({ name: 'smoke-7' }, { succeed: true, logs: ['GET /healthz 200', 'smoke: 12 checks passed'] });
    emu.create('jobs', 'shop', {
      metadata: { name: 'smoke-7' },
      spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'smoke', image: 'reg/smoke:1' }] } } },
    });
    while (!emu.get('jobs', 'shop', 'smoke-7')?.status?.succeeded) await pause();
    const mark = emu.requests.length;
    const r = await kubectl('worker', '-n', 'shop', 'logs', 'job/smoke-7');
    expect([r.code, r.stdout]).toEqual([0, 'GET /healthz 200\nsmoke: 12 checks passed\n']);
    const asked = emu.requests.slice(mark).map((q) => `${q.method} ${q.path} ${q.query.labelSelector ?? ''}`.trim());
    const uid = String(emu.get('jobs', 'shop', 'smoke-7')?.metadata.uid);
    expect(asked).toEqual(
      expect.arrayContaining([
        'GET /apis/batch/v1/namespaces/shop/jobs/smoke-7',
        `GET /api/v1/namespaces/shop/pods batch.kubernetes.io/controller-uid=${uid}`,
        expect.stringMatching(/^GET \/api\/v1\/namespaces\/shop\/pods\/smoke-7-\w+\/log$/),
      ]),
    );
    const tail = await kubectl('worker', '-n', 'shop', 'logs', 'job/smoke-7', '--tail=1');
    expect([tail.code, tail.stdout]).toEqual([0, 'smoke: 12 checks passed\n']);
    const missing = await kubectl('admin', '-n', 'shop', 'logs', 'job/smoke-8');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('jobs.batch "smoke-8" not found');
    const elsewhere = await kubectl('worker', '-n', 'payments', 'logs', 'job/smoke-7');
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain('cannot get resource "jobs" in API group "batch" in the namespace "payments"');
  });

  it('describe deployment shows the rollout, its new ReplicaSet and the events found by involvedObject', async () => {
    const d = emu.getDeployment('shop', 'api');
    const mark = emu.requests.length;
    const r = await kubectl('admin', '-n', 'shop', 'describe', 'deployment', 'api');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name:\s+api$/m);
    expect(r.stdout).toMatch(/^Namespace:\s+shop$/m);
    expect(r.stdout).toMatch(new RegExp(`^Replicas:\\s+${d.spec.replicas} desired \\| ${d.status.updatedReplicas} updated`, 'm'));
    expect(r.stdout).toMatch(/^\s+Image:\s+reg\/api:1$/m);
    expect(r.stdout).toMatch(/^NewReplicaSet:\s+api-\S+ \(\d+\/\d+ replicas created\)$/m);
    expect(r.stdout).toMatch(/^\s+Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set api-\S+ to 3$/m);
    const events = emu.requests.slice(mark).find((q) => q.path === '/api/v1/namespaces/shop/events');
    expect(events?.query.fieldSelector?.split(',')).toEqual(expect.arrayContaining(['involvedObject.name=api', 'involvedObject.kind=Deployment', `involvedObject.uid=${d.metadata.uid}`]));
    // The chart Role grants no events: kubectl describes without them, as it does on a real cluster.
    const workerMark = emu.requests.length;
    const worker = await kubectl('worker', '-n', 'shop', 'describe', 'deployment', 'api');
    expect(worker.code).toBe(0);
    expect(worker.stdout).toMatch(/^NewReplicaSet:\s+api-\S+/m);
    expect(worker.stdout).not.toContain('ScalingReplicaSet');
    expect(emu.requests.slice(workerMark).find((q) => q.path === '/api/v1/namespaces/shop/events')?.denied).toBe(true);
  });

  it('an event field selector the API server does not index is refused in its words', async () => {
    const r = await kubectl('admin', '-n', 'shop', 'get', 'events', '--field-selector', 'message=hello');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('field label not supported: message');
    const byReason = await kubectl('admin', '-n', 'shop', 'get', 'events', '--field-selector', 'reason=ScalingReplicaSet,involvedObject.name=api');
    expect(byReason.code).toBe(0);
    expect(rows(byReason.stdout).length).toBeGreaterThan(0);
    expect(rows(byReason.stdout).every((c) => c[2] === 'ScalingReplicaSet' && c[3] === 'deployment/api')).toBe(true);
  });
});
