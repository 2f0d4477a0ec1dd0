import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/config/load-env.js';
import { runAuditCommand } from '../../src/run/store/run-audit-command.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { createStoredRun } from '../support/create-stored-run.js';
import { deleteKeys } from '../support/delete-keys.js';

const DAY_MS = 86_400_000;

let redis: Redis;
let prefix: string;
let store: RunStore;
/** Midnight UTC of Redis's today: archived entries are kept by their date against Redis's clock. */
let today: number;

beforeEach(async () => {
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  prefix = `test-audit-export-${randomUUID()}`;
  store = new RunStore(redis, prefix, { auditMaxEntries: 1000, auditArchiveDays: 30 });
  const [seconds] = await redis.time();
  today = Math.floor((Number(seconds) * 1000) / DAY_MS) * DAY_MS;
});

afterEach(async () => {
  await deleteKeys(redis, `{${prefix}}:*`);
  await redis.quit();
});

async function audit(args: string[], now = today + 12 * 3_600_000): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const env = loadEnv({ SLACK_BOT_TOKEN: 'xoxb-unused', FLIGHTDECK_ROLE: 'worker', REDIS_PREFIX: prefix });
  const code = await runAuditCommand(args, env, { stdout: (text) => void (out += text), stderr: (text) => (err += text) }, now);
  return { code, out, err };
}

const lines = (out: string) => out.trimEnd().split('\n').map((line) => JSON.parse(line) as { id: string; time: string; at: number; run: string; actor: string; detail: string });

function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number);
  const [bMs, bSeq] = b.split('-').map(Number);
  return aMs! - bMs! || aSeq! - bSeq!;
}

/** `count` refusals by distinct people on the given runs in turn, dated evenly over [from, from + spanMs). */
async function refusals(target: RunStore, count: number, runs: string[], from: number, spanMs: number, first = 0): Promise<void> {
  for (let i = first; i < first + count; i++) {
    const at = from + Math.floor(((i - first) * spanMs) / count);
    expect(await target.auditOnly({ run: runs[i % runs.length]!, actor: `U${i}`, action: 'action.refused', detail: `click ${i}`, at })).toBe(true);
  }
}

describe('flightdeck audit on real Redis', () => {
  it('streams the day archives and then the live stream, oldest first, filtered by --since and --service', async () => {
    const api = await createStoredRun(store, 'api', 'C1');
    const web = await createStoredRun(store, 'web', 'C1');
    await refusals(store, 3000, [api.id, web.id], today - 4 * DAY_MS, 4 * DAY_MS);
    await store.lockManually('api', 'staging', { by: 'U0BOB', reason: 'freeze', at: today + 1000 });
    await store.lockManually('web', 'staging', { by: 'U0BOB', reason: 'freeze', at: today + 2000 });
    // The premise: the 2,000 oldest entries were archived, over three days (each under the day's cap), beside each run's own index.
    expect((await redis.keys(`{${prefix}}:audit:[0-9]*`)).sort()).toEqual(
      [4, 3, 2].map((days) => today - days * DAY_MS).map((day) => `{${prefix}}:audit:${new Date(day).toISOString().slice(0, 10)}`),
    );

    const all = await audit([]);
    expect(all.code).toBe(0);
    const exported = lines(all.out);
    expect(exported.map((entry) => entry.actor)).toEqual([...Array.from({ length: 3000 }, (_, i) => `U${i}`), 'U0BOB', 'U0BOB']);
    for (let i = 1; i < exported.length; i++) expect(compareIds(exported[i - 1]!.id, exported[i]!.id)).toBeLessThan(0);
    expect(exported[0]).toEqual({ id: exported[0]!.id, time: new Date(today - 4 * DAY_MS).toISOString(), at: today - 4 * DAY_MS, run: api.id, actor: 'U0', action: 'action.refused', detail: 'click 0' });

    const sinceDate = lines((await audit(['--since', new Date(today - DAY_MS).toISOString().slice(0, 10)])).out);
    expect(sinceDate.map((entry) => entry.actor)).toEqual([...Array.from({ length: 750 }, (_, i) => `U${i + 2250}`), 'U0BOB', 'U0BOB']);
    // A duration counts back from now (noon today here): the clicks span the four days before midnight.
    const sinceDuration = lines((await audit(['--since=18h'])).out);
    expect(sinceDuration.map((entry) => entry.actor)).toEqual([...Array.from({ length: 187 }, (_, i) => `U${i + 2813}`), 'U0BOB', 'U0BOB']);

    const apiOnly = lines((await audit(['--service', 'api'])).out);
    expect(apiOnly.map((entry) => entry.actor)).toEqual([...Array.from({ length: 1500 }, (_, i) => `U${2 * i}`), 'U0BOB']);
    expect(apiOnly.at(-1)!.detail).toBe('api staging: freeze');
  });

  it('writes CSV with every field quoted, so commas, quotes and line breaks stay in their cell', async () => {
    await store.auditOnly({ run: '7', actor: 'U0EVE', action: 'command.refused', detail: 'said "no", then\nleft', at: today + 5 });
    const { code, out } = await audit(['--format', 'csv']);
    expect(code).toBe(0);
    const [header, row, end] = out.split(/\n(?=")|\n$/);
    expect(header).toBe('id,time,at,run,actor,action,detail');
    expect(row).toMatch(new RegExp(`^"\\d+-\\d+","${new Date(today + 5).toISOString()}","${today + 5}","7","U0EVE","command.refused","said ""no"", then\nleft"$`));
    expect(end).toBe('');
  });

  it('refuses bad flags with every problem and the usage, before reaching Redis', async () => {
    const { code, out, err } = await audit(['--format', 'xml', '--since', 'yesterday', '--bogus', '1', 'stray', '--service']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.split('\n')).toEqual([
      '--bogus is not a flag of flightdeck audit',
      '"stray" is not a flag',
      '--service needs a value',
      '--since: "yesterday" is neither an ISO time (2026-12-01, 2026-12-01T09:30Z) nor a duration (90m, 24h, 7d)',
      '--format: "xml" is not a format: use jsonl or csv',
      'Usage: flightdeck audit [--since <ISO time|duration, e.g. 2026-12-01 or 7d>] [--service <name>] [--format jsonl|csv]',
      '',
    ]);
  });

  it('exports every entry once, in order, while writers keep archiving under it', async () => {
    // Spread over five days, so no day's archive reaches its cap (AUDIT_MAX_ENTRIES) and drops entries.
    await refusals(store, 2500, ['1'], today - 5 * DAY_MS, 5 * DAY_MS);
    const writer = new Redis({ host: '127.0.0.1', port: 6379 });
    try {
      const writerStore = new RunStore(writer, prefix, { auditMaxEntries: 1000, auditArchiveDays: 30 });
      const [exportResult] = await Promise.all([audit([]), refusals(writerStore, 1200, ['1'], today + 1000, 1000, 2500)]);
      const exported = lines(exportResult.out);
      for (let i = 1; i < exported.length; i++) expect(compareIds(exported[i - 1]!.id, exported[i]!.id)).toBeLessThan(0);
      // Whatever was written before the export started is in it; what came during it may or may not be.
      expect(exported.slice(0, 2500).map((entry) => entry.actor)).toEqual(Array.from({ length: 2500 }, (_, i) => `U${i}`));
    } finally {
      await writer.quit();
    }
  });
});
