import type { RecordedRequest } from '../../sandbox/kubernetes/index.js';
import type { RecordedCall } from '../../sandbox/slack/index.js';

/** Calls of one kind against one service, in total and per run. */
export interface CallTally {
  total: number;
  perRun: number;
  /** Calls by kind, most frequent first. */
  byKind: [string, number][];
}

function tally(kinds: readonly string[], runs: number): CallTally {
  const counts = new Map<string, number>();
  for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return { total: kinds.length, perRun: kinds.length / runs, byKind: [...counts.entries()].sort((a, b) => b[1] - a[1]) };
}

/** `GET deployments/{name}`, `PATCH deployments/{name}`, `GET deployments watch` …: the shape of each API request. */
export function kubernetesRequestKind(request: RecordedRequest): string {
  const match = /\/namespaces\/[^/]+\/([^/]+)(\/[^/]+)?(\/[^/]+)?$/.exec(request.path);
  const resource = match ? `${match[1]}${match[2] ? '/{name}' : ''}${match[3] ?? ''}` : request.path;
  const watch = request.query.watch === 'true' || request.query.watch === '1';
  return `${request.method} ${resource}${watch ? ' watch' : ''}`;
}

/** Kubernetes API requests by shape. */
export function tallyKubernetes(requests: readonly RecordedRequest[], runs: number): CallTally {
  return tally(requests.map(kubernetesRequestKind), runs);
}

/** The methods that change what a channel shows: a message posted or edited, a file shared (its message). */
const WRITES = new Set(['chat.postMessage', 'chat.update', 'files.completeUploadExternal']);

/**
 * Slack Web API calls by method; `rateLimited` counts the ones answered HTTP 429; `writesPerRun` the writes
 * Slack took (answered `ok`) per run: `files.getUploadURLExternal` only reserves a file, nobody sees it.
 */
export function tallySlack(calls: readonly RecordedCall[], runs: number): CallTally & { rateLimited: number; writesPerRun: number } {
  const writes = calls.filter((call) => WRITES.has(call.method) && call.response.ok === true).length;
  return { ...tally(calls.map((call) => call.method), runs), rateLimited: calls.filter((call) => call.status === 429).length, writesPerRun: writes / runs };
}

/** Redis commands from `INFO commandstats` counts. */
export function tallyRedis(stats: Record<string, number>, runs: number): CallTally {
  const byKind = Object.entries(stats).sort((a, b) => b[1] - a[1]);
  const total = byKind.reduce((sum, [, calls]) => sum + calls, 0);
  return { total, perRun: total / runs, byKind };
}
