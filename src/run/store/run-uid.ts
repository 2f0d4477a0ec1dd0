import { createHash } from 'node:crypto';

/**
 * The uid of a new run: ten hex digits of SHA-256 over the installation (FLIGHTDECK_INSTALLATION), the
 * run id and its creation time. The id alone repeats after Redis is restored from a snapshot or lost (the
 * counter starts again); together with the creation time it does not, and the installation keeps two
 * installations' runs apart where they share a cluster or a PagerDuty service. Short, so names built from
 * it stay within Kubernetes' 63 characters.
 */
export function runUid(installation: string, id: string, createdAt: number): string {
  return createHash('sha256').update(`${installation}\n${id}\n${createdAt}`).digest('hex').slice(0, 10);
}
