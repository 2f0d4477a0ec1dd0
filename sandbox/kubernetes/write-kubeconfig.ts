import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

/** One cluster to put into a kubeconfig. */
export interface KubeconfigCluster {
  context: string;
  server: string;
  /** A bearer token (a ServiceAccount's, as `kubectl create token` makes), or a client certificate below. */
  token?: string;
  /** PEM client certificate and key: x509 authentication (`client-certificate-data`, `client-key-data`). */
  clientCertPem?: string;
  clientKeyPem?: string;
  /** Default namespace of the context; default 'default'. */
  namespace?: string;
  /** PEM of the CA that signed an `https:` server's certificate; written as certificate-authority-data. */
  caPem?: string;
  /** Written as the cluster's `proxy-url`, which clients send every request through. */
  proxyUrl?: string;
}

/**
 * Writes one kubeconfig holding a cluster, a user (bearer token or client certificate) and a context per entry; the first context is
 * current. An `http:` cluster is marked `insecure-skip-tls-verify` (client-node refuses `http:` without it);
 * an `https:` one carries its CA.
 * Synchronous, so the file is complete before whatever is started next reads it. Throws on I/O errors and
 * on an empty list or duplicate context names.
 */
export function writeKubeconfig(path: string, clusters: KubeconfigCluster[]): void {
  if (clusters.length === 0) throw new Error('writeKubeconfig needs at least one cluster');
  const names = clusters.map((c) => c.context);
  if (new Set(names).size !== names.length) throw new Error(`writeKubeconfig: duplicate context names in ${names.join(', ')}`);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: clusters.map((c) => ({
      name: c.context,
      cluster: {
        ...(c.caPem ? { server: c.server, 'certificate-authority-data': Buffer.from(c.caPem).toString('base64') } : { server: c.server, 'insecure-skip-tls-verify': true }),
        ...(c.proxyUrl ? { 'proxy-url': c.proxyUrl } : {}),
      },
    })),
    users: clusters.map((c) => ({ name: `${c.context}-user`, user: userOf(c) })),
    contexts: clusters.map((c) => ({ name: c.context, context: { cluster: c.context, user: `${c.context}-user`, namespace: c.namespace ?? 'default' } })),
    'current-context': names[0],
    preferences: {},
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}

function userOf(c: KubeconfigCluster): Record<string, string> {
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');
  return {
    ...(c.token ? { token: c.token } : {}),
    ...(c.clientCertPem && c.clientKeyPem ? { 'client-certificate-data': b64(c.clientCertPem), 'client-key-data': b64(c.clientKeyPem) } : {}),
  };
}
