import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { SlackEmulator } from '../../sandbox/slack/index.js';
import type { AckDeployment } from './start-ack-deployment.js';

const JOB_FIELDS = ['name', 'timestamp', 'processedOn', 'finishedOn', 'delay', 'attemptsMade', 'stc', 'failedReason'];

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

/** Every key naming the run, with its value (or a BullMQ job's telling fields). */
async function runKeysReport(redis: Redis, runId: string): Promise<string[]> {
  const lines: string[] = [];
  for (const key of (await scanKeys(redis, `*${runId}*`)).sort()) {
    const type = await redis.type(key);
    if (type === 'string') lines.push(`${key} = ${await redis.get(key)} (pttl ${await redis.pttl(key)})`);
    else if (type === 'hash' && !key.endsWith(`run:${runId}`)) lines.push(`${key} ${JSON.stringify(Object.fromEntries((await redis.hmget(key, ...JOB_FIELDS)).map((v, i) => [JOB_FIELDS[i], v])))}`);
    else if (type !== 'hash') lines.push(`${key} (${type})`);
  }
  return lines;
}

/**
 * What the bench knows of run messages that were never posted: every Slack call made for their channels,
 * each run's stored state and every Redis key naming it (render marks, locks, pacing turns, BullMQ jobs),
 * and every warning flightdeck logged about it, so a lost render can be traced instead of guessed. The
 * processes' whole output goes to a file named in the text.
 */
export async function missingPostReport(deployment: AckDeployment, slack: SlackEmulator, redisUrl: string, missing: readonly string[]): Promise<string> {
  const output = [deployment.web, deployment.worker].map((p) => p?.output() ?? '').join('\n');
  const file = join(tmpdir(), `flightdeck-bench-missing-posts-${Date.now()}.log`);
  writeFileSync(file, output);
  const lines = output.split('\n');
  const redis = new Redis(redisUrl);
  try {
    const wanted = new Set(missing.slice(0, 5));
    const sections: string[] = [];
    for (const key of await scanKeys(redis, '*:run:*')) {
      const doc = (await redis.type(key)) === 'hash' ? await redis.hget(key, 'doc') : null;
      if (!doc) continue;
      const run = JSON.parse(doc) as { id: string; channel: string; state: string; seq: number; messageTs?: string };
      if (!wanted.has(run.channel)) continue;
      const calls = slack.calls.filter((call) => call.args.channel === run.channel).map((call) => `${call.method} ${call.status}`);
      const dueKey = key.replace(/run:[^:]+$/, 'render-due-at');
      const dueSince = await redis.zscore(dueKey, run.id);
      const queuedAt = await redis.zscore(`${dueKey}:queue`, run.id);
      sections.push(
        [
          `channel ${run.channel}, run ${run.id}: state ${run.state}, seq ${run.seq}, messageTs ${run.messageTs ?? 'none'}, render-due since ${dueSince ?? 'never'}, render queued for ${queuedAt ?? 'never'}; Slack calls [${calls.join(', ')}]`,
          ...(await runKeysReport(redis, run.id)),
          ...lines.filter((line) => line.includes(run.id) || line.includes(run.channel)),
        ].join('\n  '),
      );
    }
    return [`missing channels: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}; full output in ${file}`, ...sections].join('\n');
  } finally {
    redis.disconnect();
  }
}
