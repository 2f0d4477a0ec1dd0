import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterClient, createClusterAccess } from '../../src/k8s/create-cluster-access.js';
import { listRevisions } from '../../src/k8s/list-revisions.js';
import { rollbackDeployment } from '../../src/k8s/rollback-deployment.js';
import { type KubernetesEmulator, startKubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { commandUnavailable, requireTool, skipWithout } from '../support/skip-without.js';

/** The kubectl to drive; CI installs Debian's kubernetes-client when none is on PATH. Override with $KUBECTL. */
const KUBECTL = process.env.KUBECTL ?? 'kubectl';
const unavailable = commandUnavailable(KUBECTL, ['version', '--client'], 'apt-get install kubernetes-client');

const ref = { namespace: 'prod', deployment: 'web', container: 'web' };
let emu: KubernetesEmulator;
let dir: string;
let kubeconfig: string;
let client: ClusterClient;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl against the emulator; resolves with the exit code instead of throwing. */
function kubectl(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      KUBECTL,
      ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), '-n', 'prod', '--request-timeout=20s', ...args],
      { encoding: 'utf8', timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

async function ok(...args: string[]): Promise<string> {
  const r = await kubectl(...args);
  expect(r.stderr, `kubectl ${args.join(' ')}`).toBe('');
  expect(r.code, `kubectl ${args.join(' ')}`).toBe(0);
  return r.stdout;
}

/** A kubectl table as rows of whitespace-separated cells, header dropped. */
const rows = (out: string) =>
  out
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/));

/** `kubectl rollout history` rows as [revision, change-cause]. */
async function kubectlHistory(): Promise<Array<[number, string]>> {
  const out = await ok('rollout', 'history', 'deployment/web');
  return out
    .trim()
    .split('\n')
    .filter((l) => /^\d+\s/.test(l))
    .map((l) => {
      const [rev, ...cause] = l.trim().split(/\s+/);
      return [Number(rev), cause.join(' ')];
    });
}

async function flightdeckHistory(): Promise<Array<[number, string]>> {
  return (await listRevisions(client, ref)).map((r) => [r.revision, r.changeCause ?? '<none>']);
}

const image = () => emu.getDeployment('prod', 'web').spec.template.spec.containers[0].image as string;

/**
 * The object kubectl says it acted on, and how: the key line every kubectl version prints (`deployment.apps/web
 * image updated`), whatever else a version adds around it.
 */
const actedOn = (out: string, verb: string) => expect(out).toMatch(new RegExp(`^deployment\\.apps/web ${verb}$`, 'm'));

async function deploy(version: string): Promise<void> {
  actedOn(await ok('set', 'image', 'deployment/web', `web=reg/web:${version}`), 'image updated');
  expect(image()).toBe(`reg/web:${version}`);
  await ok('annotate', 'deployment/web', `kubernetes.io/change-cause=deploy ${version}`, '--overwrite');
  expect(await ok('rollout', 'status', 'deployment/web', '--timeout=30s')).toMatch(/successfully rolled out$/m);
  const status = emu.getDeployment('prod', 'web').status;
  expect(status).toMatchObject({ updatedReplicas: 3, readyReplicas: 3 });
}

describe.skipIf(skipWithout(unavailable, 'the kubectl round trip'))('kubectl round trip against the emulator', () => {
  beforeAll(async () => {
    requireTool(unavailable);
    // kubectl sends kubeconfig credentials only over TLS, hence the HTTPS emulator.
    emu = await startKubernetesEmulator({ readyDelayMs: 100, tickMs: 10, tls: true });
    dir = await mkdtemp(join(tmpdir(), 'kubectl-roundtrip-'));
    kubeconfig = join(dir, 'kubeconfig');
    emu.writeKubeconfig(kubeconfig, 'emu');
    client = createClusterAccess({ kubeconfigPath: kubeconfig }).forContext('emu');
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 3 });
  });

  afterAll(async () => {
    await emu?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('get deployments prints the server-side table', async () => {
    const table = rows(await ok('get', 'deployments'));
    expect(table).toEqual([['web', '3/3', '3', '3', expect.stringMatching(/^\d+s$/)]]);
    expect(emu.requests.some((r) => r.path === '/apis/apps/v1/namespaces/prod/deployments' && r.accept?.includes('as=Table'))).toBe(true);
  });

  it('set image + rollout status, twice; rollout history agrees with listRevisions', async () => {
    await deploy('1.1.0');
    await deploy('1.2.0');
    expect(image()).toBe('reg/web:1.2.0');
    expect(await kubectlHistory()).toEqual([
      [1, '<none>'],
      [2, 'deploy 1.1.0'],
      [3, 'deploy 1.2.0'],
    ]);
    expect(await kubectlHistory()).toEqual(await flightdeckHistory());
  });

  it('rollout undo goes to the previous revision, as listRevisions then shows', async () => {
    actedOn(await ok('rollout', 'undo', 'deployment/web'), 'rolled back');
    await ok('rollout', 'status', 'deployment/web', '--timeout=30s');
    expect(image()).toBe('reg/web:1.1.0');
    const revisions = await listRevisions(client, ref);
    expect(revisions.at(-1)).toMatchObject({ revision: 4, image: 'reg/web:1.1.0', changeCause: 'deploy 1.1.0' });
    expect(await kubectlHistory()).toEqual(await flightdeckHistory());
    expect(await kubectlHistory()).toEqual([
      [1, '<none>'],
      [3, 'deploy 1.2.0'],
      [4, 'deploy 1.1.0'],
    ]);
  });

  it('rollout undo --to-revision restores that revision; an unknown one fails in both tools alike', async () => {
    actedOn(await ok('rollout', 'undo', 'deployment/web', '--to-revision=1'), 'rolled back');
    await ok('rollout', 'status', 'deployment/web', '--timeout=30s');
    expect(image()).toBe('reg/web:1.0.0');
    expect(await kubectlHistory()).toEqual(await flightdeckHistory());

    const missing = await kubectl('rollout', 'undo', 'deployment/web', '--to-revision=99');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/unable to find specified revision 99 in history/);
    await expect(rollbackDeployment(client, ref, { revision: 99 })).rejects.toMatchObject({ code: 'k8s-not-found', message: expect.stringMatching(/its revisions are: 3, 4, 5$/) });
  });

  it('a flightdeck rollback to a revision is what kubectl then reports', async () => {
    await expect(rollbackDeployment(client, ref, { revision: 3 })).resolves.toMatchObject({ changed: true });
    await ok('rollout', 'status', 'deployment/web', '--timeout=30s');
    expect(await ok('get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}')).toBe('reg/web:1.2.0');
    expect(await kubectlHistory()).toEqual([
      [4, 'deploy 1.1.0'],
      [5, '<none>'],
      [6, 'deploy 1.2.0'],
    ]);
    expect(await kubectlHistory()).toEqual(await flightdeckHistory());
  });

  it('get rs lists the ReplicaSets the emulator holds, with their desired/current/ready counts', async () => {
    const table = rows(await ok('get', 'rs'));
    const expected = emu
      .listReplicaSets('prod')
      .map((rs) => [rs.metadata.name, String(rs.spec.replicas), String(rs.status.replicas ?? 0), String(rs.status.readyReplicas ?? 0)]);
    expect(table.map((r) => r.slice(0, 4))).toEqual(expected);
    expect(table.filter((r) => r[1] === '3')).toHaveLength(1);
    const revisions = await listRevisions(client, ref);
    expect(table.map((r) => r[0]).sort()).toEqual(revisions.map((r) => r.replicaSet).sort());
  });
});
