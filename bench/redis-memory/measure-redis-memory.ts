import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRun } from '../../src/run/core/create-run.js';
import { transition } from '../../src/run/core/transition.js';
import { RunStore } from '../../src/run/store/run-store.js';
import type { StoreLimits } from '../../src/run/store/store-limits-of.js';
import { waitUntil } from '../../test/support/wait-until.js';
import { startBenchRedis } from '../start-bench-redis.js';

export interface RedisMemoryOptions {
  /** Runs created and ended (default 20,000), spread over 200 services. */
  runs: number;
  /** Refused clicks (default 100,000), by 100 people over 10 minutes of their clock. */
  refusals: number;
  log: (line: string) => void;
}

export interface RedisMemoryResult {
  runs: number;
  refusals: number;
  limits: Required<StoreLimits>;
  /** `used_memory` in bytes: empty, after the runs and clicks, and once the ended runs' documents expired. */
  usedMemory: { before: number; after: number; afterExpiry: number };
  /** Entries ever appended, those in the live stream, and those moved to the per-day archives (and their days). */
  auditEntries: { written: number; kept: number; archived: number; archiveDays: string[] };
  /** `MEMORY USAGE` in bytes of the live stream and of all the day archives together, after the runs and clicks. */
  auditBytes: { stream: number; archive: number };
  refusalsRecorded: number;
  runDocuments: { after: number; afterExpiry: number };
  seconds: number;
}

const checklist = checklistSchema.parse({
  name: 'bench',
  phases: [{ id: 'rollout', title: 'Rollout', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }, { id: 'wait', kind: 'step', action: 'wait-rollout' }] }],
});
/**
 * The runs and clicks are dated from yesterday's midnight (UTC): archived entries are kept by their own date
 * against Redis's clock, so dates within AUDIT_ARCHIVE_DAYS are needed for the archive to be measured at all.
 */
const T0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000;
const BATCH = 64;
/** Stands in for RUN_RETENTION_DAYS: longer than writing 20,000 runs takes here, so every document is counted live first. */
const RETENTION_MS = 60_000;

/**
 * Issue 13's Redis bound: `runs` runs created, stepped and ended, and `refusals` refused clicks, against a
 * fresh `redis-server` with the store's production limits (the audit archive included) except the retention, which is a minute so expiry
 * is seen within the measurement (a stand-in for RUN_RETENTION_DAYS). Stops by itself in about two minutes.
 */
export async function measureRedisMemory(options: RedisMemoryOptions): Promise<RedisMemoryResult> {
  const started = Date.now();
  const redis = await startBenchRedis();
  const limits: Required<StoreLimits> = { auditMaxEntries: 100_000, auditArchiveDays: 30, runRetentionMs: RETENTION_MS, refusalsPerMinute: 10 };
  const store = new RunStore(redis.client, 'bench', limits);
  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.client.info('memory'))![1]);
  const scanKeys = async (pattern: string) => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  };
  const countRuns = async () => (await scanKeys('{bench}:run:*')).length;
  const memoryUsage = async (key: string) => Number(await redis.client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
  try {
    const before = await usedMemory();
    for (let first = 0; first < options.runs; first += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, options.runs - first) }, (_, i) => first + i);
      await Promise.all(batch.map((index) => runOne(store, index)));
      if (Math.floor((first + BATCH) / 5000) > Math.floor(first / 5000)) options.log(`redis-memory: ${first + batch.length} runs`);
    }
    let recorded = 0;
    const people = 100;
    for (let click = 0; click < options.refusals; click += BATCH * 4) {
      const batch = Array.from({ length: Math.min(BATCH * 4, options.refusals - click) }, (_, i) => click + i);
      const appended = await Promise.all(
        batch.map((n) =>
          store.auditOnly({
            run: String(1 + (n % options.runs)),
            actor: `U${String(n % people).padStart(6, '0')}`,
            action: 'action.refused',
            detail: 'item.approve.signoff-security: Only people with the role `security` may approve this',
            at: T0 + Math.floor((n / options.refusals) * 10 * 60_000),
          }),
        ),
      );
      recorded += appended.filter(Boolean).length;
    }
    const after = await usedMemory();
    // Counted by Redis: every entry ever appended, trimmed or not (recorded refusals included).
    const info = (await redis.client.call('XINFO', 'STREAM', '{bench}:audit')) as unknown[];
    const written = Number(info[info.indexOf('entries-added') + 1]);
    const kept = await redis.client.xlen('{bench}:audit');
    const archiveKeys = (await scanKeys('{bench}:audit:*')).sort();
    let archived = 0;
    let archiveBytes = 0;
    for (const key of archiveKeys) {
      archived += await redis.client.xlen(key);
      archiveBytes += await memoryUsage(key);
    }
    const auditBytes = { stream: await memoryUsage('{bench}:audit'), archive: archiveBytes };
    const runsAfter = await countRuns();
    options.log(`redis-memory: waiting for ${runsAfter} ended runs to expire`);
    const runsAfterExpiry = await waitUntil('the ended runs to expire', async () => {
      const left = await countRuns();
      return left === 0 ? left : undefined;
    }, RETENTION_MS + 120_000);
    const afterExpiry = await usedMemory();
    return {
      runs: options.runs,
      refusals: options.refusals,
      limits,
      usedMemory: { before, after, afterExpiry },
      auditEntries: { written, kept, archived, archiveDays: archiveKeys.map((key) => key.slice(-10)) },
      auditBytes,
      refusalsRecorded: recorded,
      runDocuments: { after: runsAfter, afterExpiry: runsAfterExpiry },
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await redis.stop();
  }
}

/** Creates, starts, steps and ends one run as the engine would. */
async function runOne(store: RunStore, index: number): Promise<void> {
  const service = `svc-${index % 200}`;
  const at = T0 + index * 1000;
  const run = createRun(
    {
      id: await store.nextRunId(),
      service,
      environment: 'production',
      version: `v${index}`,
      target: { cluster: 'prod', namespace: 'shop', deployment: service, container: 'app', image: `registry.example.com/acme/${service}:v${index}` },
      requestedBy: 'U0ALICE',
      channel: 'C0DEPLOY',
      checklist,
    },
    at,
  );
  const started = transition(run, { type: 'start', actor: 'U0ALICE' }, at);
  const created = await store.create(started.run, started.audit);
  if (!created.created) throw new Error(`run ${run.id} not created: ${service} is locked by run #${created.holder.id}`);
  for (const itemId of ['set-image', 'wait']) {
    await store.update(run.id, (current) => transition(current, { type: 'step-succeeded', itemId, detail: 'done' }, at + 100));
  }
  const ended = await store.get(run.id);
  if (ended?.state !== 'succeeded') throw new Error(`run ${run.id} ended ${ended?.state}, not succeeded`);
}
