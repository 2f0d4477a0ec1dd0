import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { createClusterAccess } from '../../src/k8s/create-cluster-access.js';
import { readDeploymentSnapshot } from '../../src/k8s/read-deployment-snapshot.js';
import { setImage } from '../../src/k8s/set-image.js';
import { waitForRollout } from '../../src/k8s/wait-for-rollout.js';
import { type KubernetesEmulator, startKubernetesEmulator, writeKubeconfigFor } from '../../sandbox/kubernetes/index.js';

const ref = { namespace: 'prod', deployment: 'web', container: 'web' };
let east: KubernetesEmulator;
let west: KubernetesEmulator;
let dir: string;

beforeEach(async () => {
  [east, west] = await Promise.all([startKubernetesEmulator({ readyDelayMs: 50, tickMs: 10 }), startKubernetesEmulator({ readyDelayMs: 50, tickMs: 10, tls: true })]);
  dir = await mkdtemp(join(tmpdir(), 'k8s-clusters-'));
  east.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0' });
  west.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:0.9.0' });
});

afterEach(async () => {
  delete process.env.KUBERNETES_SERVICE_HOST;
  delete process.env.KUBERNETES_SERVICE_PORT;
  await Promise.all([east.close(), west.close()]);
  await rm(dir, { recursive: true, force: true });
});

/** Cluster access through one kubeconfig whose contexts `east` and `west` are the two emulators. */
function accessToBoth() {
  const path = join(dir, 'kubeconfig');
  writeKubeconfigFor(path, [
    { context: 'east', emulator: east },
    { context: 'west', emulator: west },
  ]);
  return createClusterAccess({ kubeconfigPath: path });
}

describe('many clusters', () => {
  it('serves two clusters from one kubeconfig at once, each client talking only to its own', async () => {
    const access = accessToBoth();
    const eastClient = access.forContext('east');
    const westClient = access.forContext('west');
    expect(access.forContext('east')).toBe(eastClient);
    await Promise.all([setImage(eastClient, ref, 'reg/web:2.0.0', 'east deploy'), setImage(westClient, ref, 'reg/web:2.0.1', 'west deploy')]);
    await Promise.all([waitForRollout(eastClient, ref, { deadline: Date.now() + 15_000, now: Date.now }), waitForRollout(westClient, ref, { deadline: Date.now() + 15_000, now: Date.now })]);
    expect(east.getDeployment('prod', 'web').spec.template.spec.containers[0].image).toBe('reg/web:2.0.0');
    expect(west.getDeployment('prod', 'web').spec.template.spec.containers[0].image).toBe('reg/web:2.0.1');
    // Tokens differ per emulator: a request sent to the wrong cluster would have been a 401.
    expect(east.token).not.toBe(west.token);
    const err = await Promise.resolve()
      .then(() => access.forContext('north'))
      .then(() => undefined, (e: unknown) => e);
    expect((err as FlightdeckError).code).toBe('config-invalid');
    expect((err as FlightdeckError).message).toBe('Kubeconfig has no context "north"; known contexts: east, west, in-cluster');
  });

  it('context "in-cluster" uses the service account files and KUBERNETES_SERVICE_HOST/PORT', async () => {
    const sa = join(dir, 'var/run/secrets/kubernetes.io/serviceaccount');
    await mkdir(sa, { recursive: true });
    await writeFile(join(sa, 'token'), west.token);
    await writeFile(join(sa, 'ca.crt'), west.caPem ?? '');
    await writeFile(join(sa, 'namespace'), 'prod');
    const { port } = new URL(west.url);
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = port;
    const access = createClusterAccess({ kubeconfigPath: join(dir, 'missing-kubeconfig'), inClusterPathPrefix: dir, inCluster: true });
    const snapshot = await readDeploymentSnapshot(access.forContext('in-cluster'), ref);
    expect(snapshot.image).toBe('reg/web:0.9.0');
  });

  it('"in-cluster" outside a pod is config-invalid with a remedy', () => {
    const access = createClusterAccess({ kubeconfigPath: join(dir, 'missing-kubeconfig') });
    let err: unknown;
    try {
      access.forContext('in-cluster');
    } catch (e) {
      err = e;
    }
    expect((err as FlightdeckError).code).toBe('config-invalid');
    expect((err as FlightdeckError).message).toMatch(/KUBERNETES_SERVICE_HOST is not set/);
  });
});

describe('connections to an API server', () => {
  it('are kept open between requests, over TLS and plain HTTP, and reopened once the server has closed an idle one', async () => {
    const access = accessToBoth();
    for (const [context, emulator] of [['east', east], ['west', west]] as const) {
      const client = access.forContext(context);
      const opened = emulator.connections;
      for (let i = 0; i < 5; i++) expect((await readDeploymentSnapshot(client, ref)).image).toMatch(/^reg\/web:/);
      await setImage(client, ref, `reg/web:3.0.${context.length}`, 'one connection');
      // Seven requests one after the other (five reads, the image's read and patch): one connection, where
      // client-node alone opened one per request.
      expect(emulator.connections - opened).toBe(1);
      // Requests at once each need a connection; the ones after reuse them.
      await Promise.all([1, 2, 3].map(() => readDeploymentSnapshot(client, ref)));
      const atOnce = emulator.connections - opened;
      expect(atOnce).toBeGreaterThanOrEqual(1);
      expect(atOnce).toBeLessThanOrEqual(3);
      await readDeploymentSnapshot(client, ref);
      expect(emulator.connections - opened).toBe(atOnce);
    }
    // Past the server's 5 s idle timeout its side is gone; the client let its own go first and opens a new one.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    const before = west.connections;
    expect((await readDeploymentSnapshot(access.forContext('west'), ref)).image).toBe('reg/web:3.0.4');
    expect(west.connections - before).toBe(1);
  }, 20_000);
});
