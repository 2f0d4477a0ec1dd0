import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toUserText } from '../../src/errors/user-text.js';
import { type ClusterClient, createClusterAccess } from '../../src/k8s/create-cluster-access.js';
import { readDeploymentSnapshot } from '../../src/k8s/read-deployment-snapshot.js';
import { setImage } from '../../src/k8s/set-image.js';
import { waitForRollout } from '../../src/k8s/wait-for-rollout.js';
import { type KubernetesEmulator, startKubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { waitUntil } from '../support/wait-until.js';
import { caughtFlightdeckError } from '../support/caught-flightdeck-error.js';

const ref = { namespace: 'prod', deployment: 'web', container: 'web' };
const REQUEST_TIMEOUT_MS = 300;
let emu: KubernetesEmulator;
let dir: string;
let client: ClusterClient;

beforeEach(async () => {
  emu = await startKubernetesEmulator({ readyDelayMs: 150, tickMs: 10 });
  dir = await mkdtemp(join(tmpdir(), 'k8s-timeouts-'));
  emu.writeKubeconfig(join(dir, 'kubeconfig'), 'emu-prod');
  client = createClusterAccess({ kubeconfigPath: join(dir, 'kubeconfig'), requestTimeoutMs: REQUEST_TIMEOUT_MS, watchTimeoutMs: 1000 }).forContext('emu-prod');
  emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 3 });
});

afterEach(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

const patches = () => emu.requests.filter((r) => r.method === 'PATCH' && r.path === '/apis/apps/v1/namespaces/prod/deployments/web');
const lists = () => emu.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/deployments') && r.query.watch === undefined);
const watches = () => emu.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/deployments') && r.query.watch === 'true');
const revisions = () => emu.listReplicaSets('prod').map((r) => r.metadata.annotations['deployment.kubernetes.io/revision']).sort();
const soon = () => ({ deadline: Date.now() + 15_000, now: Date.now });

describe('Kubernetes API requests that never answer', () => {
  it('a GET and then a PATCH that hang time out as retryable k8s-unavailable; the retry makes exactly one effective patch', async () => {
    emu.hangNext(1, { method: 'GET', pathIncludes: '/deployments/web' });
    const read = await caughtFlightdeckError(setImage(client, ref, 'reg/web:2.0.0', 'run 1'));
    expect(read).toMatchObject({ code: 'k8s-unavailable', retryable: true });
    expect(read.message).toBe(`Kubernetes API did not answer get deployment prod/web within ${REQUEST_TIMEOUT_MS} ms (request timeout)`);

    emu.hangNext(1, { method: 'PATCH', pathIncludes: '/deployments/web' });
    const write = await caughtFlightdeckError(setImage(client, ref, 'reg/web:2.0.0', 'run 1'));
    expect(write).toMatchObject({ code: 'k8s-unavailable', retryable: true });
    expect(write.message).toContain(`did not answer patch deployment prod/web within ${REQUEST_TIMEOUT_MS} ms`);
    expect(emu.getDeployment('prod', 'web').spec.template.spec.containers[0].image).toBe('reg/web:1.0.0');

    await expect(setImage(client, ref, 'reg/web:2.0.0', 'run 1')).resolves.toEqual({ generation: 2, changed: true });
    await expect(setImage(client, ref, 'reg/web:2.0.0', 'run 1')).resolves.toEqual({ generation: 2, changed: false });
    // The hung PATCH and the effective one.
    expect(patches()).toHaveLength(2);
    await waitForRollout(client, ref, soon());
    expect(revisions()).toEqual(['1', '2']);
  });

  it('a PATCH the server applies after the client gave up is not applied twice by the retry', async () => {
    emu.delayNext(1, REQUEST_TIMEOUT_MS * 3, { method: 'PATCH', pathIncludes: '/deployments/web' });
    const err = await caughtFlightdeckError(setImage(client, ref, 'reg/web:2.0.0', 'run 2'));
    expect(err.message).toContain('did not answer patch deployment prod/web');
    await waitUntil('the late patch to be applied', () => (emu.getDeployment('prod', 'web').metadata.generation === 2 ? true : undefined));
    await expect(setImage(client, ref, 'reg/web:2.0.0', 'run 2')).resolves.toEqual({ generation: 2, changed: false });
    expect(patches()).toHaveLength(1);
    await waitForRollout(client, ref, soon());
    expect(revisions()).toEqual(['1', '2']);
  });

  it('an API server that answers nothing ends reads, writes and the rollout wait with an error naming the timeout', async () => {
    emu.hangNext(Infinity, {});
    const read = await caughtFlightdeckError(readDeploymentSnapshot(client, ref));
    expect(read).toMatchObject({ code: 'k8s-unavailable', retryable: true });
    expect(toUserText(read)).toBe(
      `Kubernetes API did not answer get deployment prod/web within ${REQUEST_TIMEOUT_MS} ms (request timeout)\n` +
        'Check the API server and the network to it; if it is only slow, raise K8S_REQUEST_TIMEOUT_MS.',
    );
    expect((await caughtFlightdeckError(setImage(client, ref, 'reg/web:2.0.0', 'run 3'))).message).toContain('did not answer get deployment prod/web');
    // Not rollout-timeout at the deadline: the list behind the watch fails on its own bound.
    const wait = await caughtFlightdeckError(waitForRollout(client, ref, soon()));
    expect(wait).toMatchObject({ code: 'k8s-unavailable', message: expect.stringContaining('did not answer list deployment prod/web') });
    expect(emu.getDeployment('prod', 'web').metadata.generation).toBe(1);
  });
});

describe('watches that go silent', () => {
  it('a watch that connects and then never sends anything is dropped and the Deployment re-listed, so the end is seen', async () => {
    await setImage(client, ref, 'reg/web:2.0.0', 'run 4');
    emu.silenceNextWatches(1, { pathIncludes: '/deployments' });
    const outcome = await waitForRollout(client, ref, soon());
    expect(outcome.message).toBe('deployment "web" successfully rolled out');
    expect(watches()[0]?.query).toMatchObject({ timeoutSeconds: '1' });
    expect(lists()).toHaveLength(2);
  });

  it('a watch whose request is never answered is given up the same way', async () => {
    await setImage(client, ref, 'reg/web:2.0.0', 'run 5');
    let hung = false;
    const outcome = await waitForRollout(client, ref, {
      ...soon(),
      onProgress: () => {
        // Called while judging the first list, so the next request on the collection is the watch.
        if (hung) return;
        hung = true;
        emu.hangNext(1, { method: 'GET', pathIncludes: '/deployments' });
      },
    });
    expect(outcome.message).toBe('deployment "web" successfully rolled out');
    expect(lists().length).toBeGreaterThanOrEqual(2);
  });
});
