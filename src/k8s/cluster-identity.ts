import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ClusterClient } from './create-cluster-access.js';

/**
 * Who a context's cluster is, as `<context>=<id>`: the SHA-256 (first 16 hex digits) of the cluster's CA
 * certificate, which two clusters never share even where every pod sees the same
 * `https://kubernetes.default.svc`; the API server URL when the kubeconfig trusts no CA of its own.
 * Reads no network: it is known before the cluster answers.
 */
export function clusterIdentity(client: ClusterClient): string {
  const cluster = client.kubeConfig.getCurrentCluster();
  let ca: string | Buffer | undefined;
  if (cluster?.caData) ca = Buffer.from(cluster.caData, 'base64');
  else if (cluster?.caFile) {
    try {
      ca = readFileSync(cluster.caFile);
    } catch {
      ca = undefined;
    }
  }
  const id = ca === undefined ? (cluster?.server ?? 'unknown') : `ca:${createHash('sha256').update(ca).digest('hex').slice(0, 16)}`;
  return `${client.context}=${id}`;
}
