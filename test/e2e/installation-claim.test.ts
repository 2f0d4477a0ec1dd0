import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeys } from '../support/delete-keys.js';
import { startE2eWorld } from '../support/start-e2e-world.js';
import { waitUntil } from '../support/wait-until.js';
import { E2E_CATALOG, E2E_CHECKLIST } from './fixtures.js';

const redis = new Redis({ host: '127.0.0.1', port: 6379 });
const prefix = `e2e-owned-${randomBytes(4).toString('hex')}`;

afterAll(async () => {
  await deleteKeys(redis, `{${prefix}}:*`);
  await redis.quit();
});

describe('one Redis prefix, one installation', () => {
  it('refuses to start on a prefix another installation owns, naming it, and starts as that installation', async () => {
    await redis.hset(`{${prefix}}:installation`, 'installation', 'shop/other', 'clusters', '', 'since', String(Date.UTC(2026, 11, 1)));
    const base = { mode: 'http' as const, catalog: E2E_CATALOG, checklists: { release: E2E_CHECKLIST } };
    const refused = await startE2eWorld({ ...base, env: { REDIS_PREFIX: prefix, FLIGHTDECK_INSTALLATION: 'shop/fd' } }).catch((err: unknown) => err);
    expect(String(refused)).toContain(`REDIS_PREFIX "${prefix}" belongs to installation "shop/other" since 2026-12-01T00:00:00.000Z; this is "shop/fd".`);
    expect(String(refused)).toContain('Give this installation a prefix of its own');

    // The owner itself starts, and its worker (role all's child process, which starts beside the answering one)
    // records the cluster it drives.
    const world = await startE2eWorld({ ...base, env: { REDIS_PREFIX: prefix, FLIGHTDECK_INSTALLATION: 'shop/other' } });
    try {
      const clusters = await waitUntil('the worker to record its cluster', async () => (await redis.hget(`{${prefix}}:installation`, 'clusters')) || undefined);
      expect(clusters).toMatch(/^emulator=/);
    } finally {
      expect(await world.stop()).toBe(0);
    }
    // Two flightdeck starts, each up to START_TIMEOUT_MS on a busy machine.
  }, 150_000);
});
