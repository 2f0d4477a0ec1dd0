import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

/**
 * Writes a kubeconfig for the emulator: a plain-HTTP cluster (client-node refuses `http:` without
 * `insecure-skip-tls-verify`), a bearer-token user and one context, which is also the current context.
 * Synchronous, so the file is complete before whatever is started next reads it. Throws on I/O errors.
 */
export function writeKubeconfig(path: string, server: string, token: string, contextName: string): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: contextName, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: `${contextName}-user`, user: { token } }],
    contexts: [{ name: contextName, context: { cluster: contextName, user: `${contextName}-user`, namespace: 'default' } }],
    'current-context': contextName,
    preferences: {},
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}
