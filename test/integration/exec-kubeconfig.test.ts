import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { checkClusterAccess } from '../../src/doctor/check-cluster-access.js';
import type { DoctorResult } from '../../src/doctor/doctor-result.js';
import { createClusterAccess } from '../../src/k8s/create-cluster-access.js';
import { EXEC_PLUGIN_REMEDY, execPluginProblems } from '../../src/k8s/exec-plugin-problems.js';
import { REQUIRED_PERMISSIONS } from '../../src/k8s/required-permissions.js';
import { startKubernetesEmulator, type KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { WORKER_ACCOUNT, loadChartRbac } from '../../sandbox/kubernetes/load-chart-rbac.js';

let cluster: KubernetesEmulator;
let dir: string;
let bin: string;
let kubeconfig: string;

/** A kubeconfig whose users get their token as EKS/GKE/AKS ones do: from an exec plugin, or inline. */
function writeKubeconfig(): void {
  const server = { server: cluster.url, ...(cluster.caPem ? { 'certificate-authority-data': Buffer.from(cluster.caPem).toString('base64') } : {}) };
  const exec = (command: string) => ({ exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command, args: ['token'], interactiveMode: 'Never' } });
  const users = { missing: exec('flightdeck-test-no-such-plugin'), present: exec('flightdeck-test-token-plugin'), static: { token: cluster.serviceAccountToken(WORKER_ACCOUNT.namespace, WORKER_ACCOUNT.name) } };
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'emu', cluster: server }],
      users: Object.entries(users).map(([name, user]) => ({ name, user })),
      contexts: Object.keys(users).map((name) => ({ name, context: { cluster: 'emu', user: name } })),
      'current-context': 'static',
    }),
  );
}

beforeAll(async () => {
  cluster = await startKubernetesEmulator({ tls: true });
  cluster.applyRbac(loadChartRbac(['shop']));
  dir = mkdtempSync(join(tmpdir(), 'flightdeck-exec-'));
  bin = join(dir, 'bin');
  mkdirSync(bin);
  // A credential plugin as kubectl runs it: an ExecCredential with the worker account's token on stdout.
  const credential = { apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: cluster.serviceAccountToken(WORKER_ACCOUNT.namespace, WORKER_ACCOUNT.name) } };
  writeFileSync(join(bin, 'flightdeck-test-token-plugin'), `#!/bin/sh\ncat <<'EOF'\n${JSON.stringify(credential)}\nEOF\n`);
  chmodSync(join(bin, 'flightdeck-test-token-plugin'), 0o755);
  kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig();
});

afterAll(async () => {
  await cluster.close();
});

describe('exec credential plugins', () => {
  it('check names each context whose plugin is not on PATH, and only those', () => {
    const path = `${bin}:/usr/bin:/bin`;
    expect(execPluginProblems(kubeconfig, ['missing', 'present', 'static', 'not-in-the-kubeconfig'], path)).toEqual([
      'kubeconfig context "missing" gets its credentials from the exec plugin "flightdeck-test-no-such-plugin", which is not on PATH',
    ]);
    expect(execPluginProblems(kubeconfig, ['present'], '/usr/bin:/bin')).toHaveLength(1);
    expect(execPluginProblems(join(dir, 'no-such-kubeconfig'), ['missing'], path)).toEqual([]);
  });

  it('doctor refuses a context whose plugin is missing, with the remedy, before any request', async () => {
    const access = createClusterAccess({ kubeconfigPath: kubeconfig });
    const before = cluster.requests.length;
    expect(await checkClusterAccess(access, { environment: 'production', context: 'missing', namespaces: ['shop'] }, 5000, `${bin}:/usr/bin:/bin`)).toEqual({
      check: 'cluster production (missing)',
      status: 'failed',
      detail: 'its credentials come from the exec plugin "flightdeck-test-no-such-plugin", which is not on PATH',
      fix: EXEC_PLUGIN_REMEDY,
    });
    expect(cluster.requests.length).toBe(before);
  });

  it('doctor goes through a plugin that is on PATH, as kubectl would', async () => {
    // The client spawns the plugin with this process's PATH, which doctor is given too (src/cli.ts).
    const original = process.env.PATH;
    process.env.PATH = `${bin}:${original ?? ''}`;
    let result: DoctorResult | undefined;
    try {
      const access = createClusterAccess({ kubeconfigPath: kubeconfig });
      result = await checkClusterAccess(access, { environment: 'production', context: 'present', namespaces: ['shop'] }, 5000, process.env.PATH);
    } finally {
      process.env.PATH = original;
    }
    expect(result).toMatchObject({ status: 'ok', detail: `as system:serviceaccount:${WORKER_ACCOUNT.namespace}:${WORKER_ACCOUNT.name}: all ${REQUIRED_PERMISSIONS.length} permissions in shop` });
  });
});
