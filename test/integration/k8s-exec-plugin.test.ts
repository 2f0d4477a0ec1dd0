import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { checkClusterAccess } from '../../src/doctor/check-cluster-access.js';
import type { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { createClusterAccess } from '../../src/k8s/create-cluster-access.js';
import { EXEC_PLUGIN_REMEDY, execPluginProblems } from '../../src/k8s/exec-plugin-problem.js';
import { readDeploymentSnapshot } from '../../src/k8s/read-deployment-snapshot.js';
import { type KubernetesEmulator, startKubernetesEmulator } from '../../sandbox/kubernetes/index.js';

/*
 * Managed clusters hand out kubeconfigs whose user runs a credential plugin (aws eks get-token,
 * gke-gcloud-auth-plugin, kubelogin). Where the plugin is missing, flightdeck says so when the context is first
 * used, in doctor and in check — not at the first step of a run as a spawn error. Where it is installed, it works.
 */
let emu: KubernetesEmulator;
let dir: string;
let plugin: string;

function kubeconfig(name: string, command: string): Promise<string> {
  const path = join(dir, name);
  const user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command, args: ['get-token'], interactiveMode: 'Never' } };
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: emu.url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: `${name}-user`, user }],
    contexts: [{ name, context: { cluster: name, user: `${name}-user` } }],
    'current-context': name,
  };
  return writeFile(path, stringify(config)).then(() => path);
}

beforeAll(async () => {
  emu = await startKubernetesEmulator({ readyDelayMs: 10, tickMs: 10 });
  emu.seedDeployment({ namespace: 'shop', name: 'api', container: 'api', image: 'reg/api:1' });
  dir = await mkdtemp(join(tmpdir(), 'k8s-exec-'));
  // A stand-in for a cloud's plugin: prints an ExecCredential with the cluster's token, as the real ones do.
  plugin = join(dir, 'emulator-token-plugin');
  const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: emu.token } });
  await writeFile(plugin, `#!/bin/sh\necho '${credential}'\n`);
  await chmod(plugin, 0o755);
});

afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

describe('kubeconfigs with an exec credential plugin', () => {
  it('work when the plugin is installed', async () => {
    const path = await kubeconfig('installed', plugin);
    const client = createClusterAccess({ kubeconfigPath: path, searchPath: '/nonexistent' }).forContext('installed');
    expect((await readDeploymentSnapshot(client, { namespace: 'shop', deployment: 'api', container: 'api' })).image).toBe('reg/api:1');
  });

  it('are refused with the remedy when it is not, before any request', async () => {
    const path = await kubeconfig('missing', 'gke-gcloud-auth-plugin-not-here');
    const before = emu.requests.length;
    const access = createClusterAccess({ kubeconfigPath: path, searchPath: process.env.PATH });
    let err: FlightdeckError | undefined;
    try {
      access.forContext('missing');
    } catch (e) {
      err = e as FlightdeckError;
    }
    expect(err?.code).toBe('config-invalid');
    expect(err?.message).toBe(
      'Kubeconfig context "missing" cannot authenticate here: the kubeconfig user of context "missing" authenticates by running "gke-gcloud-auth-plugin-not-here" (an exec credential plugin), which is not on the PATH here',
    );
    expect(err?.remedy).toBe(EXEC_PLUGIN_REMEDY);
    const line = await checkClusterAccess(access, { environment: 'production', context: 'missing', namespaces: ['shop'] }, 5000);
    expect(line).toMatchObject({ status: 'failed', fix: EXEC_PLUGIN_REMEDY });
    expect(line.detail).toContain('"gke-gcloud-auth-plugin-not-here"');
    expect(emu.requests.length).toBe(before);
  });

  it('are found on the PATH given, by bare name', async () => {
    const path = await kubeconfig('bare', 'emulator-token-plugin');
    expect(execPluginProblems(path, ['bare'], dir)).toEqual([]);
    const [problem] = execPluginProblems(path, ['bare', 'not-in-this-kubeconfig'], '/usr/bin');
    expect(problem).toBe(`${path}: context bare: the kubeconfig user of context "bare" authenticates by running "emulator-token-plugin" (an exec credential plugin), which is not on the PATH here — ${EXEC_PLUGIN_REMEDY}`);
    expect(execPluginProblems(join(dir, 'no-kubeconfig'), ['bare'], '/usr/bin')).toEqual([]);
  });
});
