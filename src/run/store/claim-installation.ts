import { catalogued } from '../../errors/error-catalogue.js';
import type { RedisClient } from './create-redis.js';
import { evalScript, luaScript } from './eval-script.js';
import { runKeys } from './run-keys.js';

/** Which installation a process belongs to, and (for workers) which clusters it drives. */
export interface InstallationFingerprint {
  /** FLIGHTDECK_INSTALLATION: the chart sets `<namespace>/<release>`. */
  installation: string;
  /** `<context>=<cluster id>` of every cluster the catalog names, sorted; empty for a web-only process, which holds no kubeconfig. */
  clusters: readonly string[];
  /** When it was claimed (ms since the epoch). */
  at: number;
}

/**
 * KEYS: the installation hash. ARGV: installation, clusters ('' when unknown), now.
 * The first process writes the fingerprint; later ones must match it. The clusters are filled in by the
 * first process that knows them (a worker), so a web pod starting first does not fix them as "none".
 * Returns `{'ok'}` or `{'other', installation, clusters, since}`.
 */
const CLAIM_SCRIPT = luaScript(`
local owner = redis.call('HGET', KEYS[1], 'installation')
if not owner then
  redis.call('HSET', KEYS[1], 'installation', ARGV[1], 'clusters', ARGV[2], 'since', ARGV[3])
  return {'ok'}
end
local clusters = redis.call('HGET', KEYS[1], 'clusters') or ''
local since = redis.call('HGET', KEYS[1], 'since') or ''
if owner ~= ARGV[1] then return {'other', owner, clusters, since} end
if ARGV[2] == '' then return {'ok'} end
if clusters == '' then
  redis.call('HSET', KEYS[1], 'clusters', ARGV[2])
  return {'ok'}
end
if clusters ~= ARGV[2] then return {'other', owner, clusters, since} end
return {'ok'}
`);

/**
 * Claims `{prefix}:installation` for this installation, or refuses: two installations sharing one Redis
 * prefix share run ids, locks and queues, and one's workers would run the other's steps against the wrong
 * clusters.
 *
 * @throws FlightdeckError `config-invalid` naming the installation (and clusters) that own the prefix.
 */
export async function claimInstallation(redis: RedisClient, prefix: string, fingerprint: InstallationFingerprint): Promise<void> {
  const key = `${runKeys(prefix).base}installation`;
  const clusters = [...fingerprint.clusters].sort().join(',');
  const reply = (await evalScript(redis, CLAIM_SCRIPT, [key], [fingerprint.installation, clusters, fingerprint.at])) as string[];
  if (reply[0] === 'ok') return;
  const [, owner, ownerClusters, since] = reply;
  const held = { prefix, owner: owner ?? '', ownerClusters: ownerClusters ?? '', since: since ? new Date(Number(since)).toISOString() : '', key };
  if (owner !== fingerprint.installation) throw catalogued('prefix-of-another-installation', { ...held, installation: fingerprint.installation });
  throw catalogued('prefix-on-other-clusters', { ...held, clusters });
}
