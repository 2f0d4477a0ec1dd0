import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterAccess } from '../../src/k8s/create-cluster-access.js';
import { readDeploymentSnapshot } from '../../src/k8s/read-deployment-snapshot.js';
import { type KubernetesEmulator, startKubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { WORKER_ACCOUNT, loadChartRbac } from '../../sandbox/kubernetes/load-chart-rbac.js';
import { JANE_CLIENT_CERT, JANE_CLIENT_KEY, STRANGER_CLIENT_CERT, STRANGER_CLIENT_KEY } from '../../sandbox/kubernetes/tls-fixture.js';
import { writeKubeconfig } from '../../sandbox/kubernetes/write-kubeconfig.js';
import { caughtFlightdeckError } from '../support/caught-flightdeck-error.js';

/*
 * The credential forms docs/operations.md supports, each through flightdeck's own cluster client: a static
 * ServiceAccount token (what `kubectl create token` prints), and a client certificate, whose CN is the user
 * and whose O values are its groups, as kube-apiserver's x509 authenticator reads them.
 */
let emu: KubernetesEmulator;
let dir: string;

beforeAll(async () => {
  emu = await startKubernetesEmulator({ readyDelayMs: 10, tickMs: 10, tls: true });
  emu.seedDeployment({ namespace: 'shop', name: 'api', container: 'api', image: 'reg/api:1' });
  emu.seedDeployment({ namespace: 'payments', name: 'ledger', container: 'ledger', image: 'reg/ledger:1' });
  emu.applyRbac([
    ...loadChartRbac(['shop']),
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'read-deployments', namespace: 'payments' }, rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }] },
    // Bound to a group from the certificate's O, not to the user: groups are read from the certificate too.
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'release-managers-read', namespace: 'payments' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-deployments' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'release-managers' }] },
  ]);
  dir = await mkdtemp(join(tmpdir(), 'k8s-credentials-'));
});

afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

function kubeconfigWith(name: string, user: { token?: string; clientCertPem?: string; clientKeyPem?: string }): string {
  const path = join(dir, name);
  writeKubeconfig(path, [{ context: name, server: emu.url, caPem: emu.caPem, ...user }]);
  return path;
}

const payments = { namespace: 'payments', deployment: 'ledger', container: 'ledger' };
const shop = { namespace: 'shop', deployment: 'api', container: 'api' };

describe('cluster credential forms', () => {
  it('a static ServiceAccount token (kubectl create token) acts as that account, under its Role', async () => {
    const client = createClusterAccess({ kubeconfigPath: kubeconfigWith('token', { token: emu.serviceAccountToken(WORKER_ACCOUNT.namespace, WORKER_ACCOUNT.name) }) }).forContext('token');
    expect((await readDeploymentSnapshot(client, shop)).image).toBe('reg/api:1');
    const err = await caughtFlightdeckError(readDeploymentSnapshot(client, payments));
    expect(err.code).toBe('k8s-forbidden');
    expect(err.message).toContain(`User "system:serviceaccount:${WORKER_ACCOUNT.namespace}:${WORKER_ACCOUNT.name}" cannot get resource "deployments"`);
  });

  it('a client certificate acts as its CN with its O groups: allowed where a group is bound, refused by name elsewhere', async () => {
    const client = createClusterAccess({ kubeconfigPath: kubeconfigWith('cert', { clientCertPem: JANE_CLIENT_CERT, clientKeyPem: JANE_CLIENT_KEY }) }).forContext('cert');
    expect((await readDeploymentSnapshot(client, payments)).image).toBe('reg/ledger:1');
    const err = await caughtFlightdeckError(readDeploymentSnapshot(client, shop));
    expect(err.code).toBe('k8s-forbidden');
    expect(err.message).toContain('User "jane" cannot get resource "deployments" in API group "apps" in the namespace "shop"');
    const seen = emu.requests.filter((r) => r.user === 'jane').length;
    expect(seen).toBeGreaterThanOrEqual(2);
  });

  it('a certificate no trusted CA signed ends the TLS handshake, as kube-apiserver does: no request is served', async () => {
    const client = createClusterAccess({ kubeconfigPath: kubeconfigWith('stranger', { clientCertPem: STRANGER_CLIENT_CERT, clientKeyPem: STRANGER_CLIENT_KEY }) }).forContext('stranger');
    const before = emu.requests.length;
    const err = await caughtFlightdeckError(readDeploymentSnapshot(client, payments));
    expect(err.code).toBe('k8s-unavailable');
    expect(err.message).toBe('Kubernetes API unreachable during get deployment payments/ledger: ECONNRESET');
    expect(emu.requests.length).toBe(before);
  });

  it('a client certificate file rotated on disk is used from the next request, over a new connection', async () => {
    // The kubeconfig names files, as a mounted Secret or a renewing sidecar leaves them; client-node reads them at
    // every request, and flightdeck's kept-alive connections must not pin the certificate they were opened with.
    const cert = join(dir, 'client.crt');
    const key = join(dir, 'client.key');
    const rotate = async (certPem: string, keyPem: string) => Promise.all([writeFile(cert, certPem), writeFile(key, keyPem)]);
    await rotate(JANE_CLIENT_CERT, JANE_CLIENT_KEY);
    const path = join(dir, 'rotating');
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    await writeFile(
      path,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'emu', cluster: { server: emu.url, 'certificate-authority-data': b64(emu.caPem!) } }],
        users: [{ name: 'rotating', user: { 'client-certificate': cert, 'client-key': key } }],
        contexts: [{ name: 'rotating', context: { cluster: 'emu', user: 'rotating' } }],
        'current-context': 'rotating',
      }),
    );
    const client = createClusterAccess({ kubeconfigPath: path }).forContext('rotating');
    const opened = emu.connections;
    expect((await readDeploymentSnapshot(client, payments)).image).toBe('reg/ledger:1');
    expect((await readDeploymentSnapshot(client, payments)).image).toBe('reg/ledger:1');
    expect(emu.connections - opened).toBe(1);
    // A certificate no trusted CA signed: the next request opens a connection with it, and the handshake fails.
    await rotate(STRANGER_CLIENT_CERT, STRANGER_CLIENT_KEY);
    const served = emu.requests.length;
    expect((await caughtFlightdeckError(readDeploymentSnapshot(client, payments))).code).toBe('k8s-unavailable');
    expect(emu.requests.length).toBe(served);
    await rotate(JANE_CLIENT_CERT, JANE_CLIENT_KEY);
    expect((await readDeploymentSnapshot(client, payments)).image).toBe('reg/ledger:1');
    expect(emu.requests.at(-1)?.user).toBe('jane');
  });

  it('kubectl auth whoami shows the certificate user and its groups', async () => {
    const path = kubeconfigWith('whoami', { clientCertPem: JANE_CLIENT_CERT, clientKeyPem: JANE_CLIENT_KEY });
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.env.KUBECTL ?? 'kubectl', ['--kubeconfig', path, 'auth', 'whoami', '-o', 'json'], { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout))),
    );
    const review = JSON.parse(out) as { status: { userInfo: { username: string; groups: string[] } } };
    expect(review.status.userInfo).toEqual({ username: 'jane', groups: ['release-managers', 'oncall', 'system:authenticated'] });
  });
});
