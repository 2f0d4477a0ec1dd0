import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimInstallation } from '../../src/run/store/claim-installation.js';
import { deleteKeys } from '../support/delete-keys.js';

let redis: Redis;
let prefix: string;

beforeEach(() => {
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  prefix = `test-installation-${randomUUID()}`;
});

afterEach(async () => {
  await deleteKeys(redis, `{${prefix}}:*`);
  await redis.quit();
});

const T0 = Date.UTC(2026, 11, 1);
const claim = (installation: string, clusters: string[]) => claimInstallation(redis, prefix, { installation, clusters, at: T0 });

describe('claimInstallation on real Redis', () => {
  it('lets every process of one installation start, the first worker recording its clusters', async () => {
    await claim('shop/fd', []);
    expect(await redis.hgetall(`{${prefix}}:installation`)).toEqual({ installation: 'shop/fd', clusters: '', since: String(T0) });
    await claim('shop/fd', ['prod=ca:1111', 'east=ca:2222']);
    await claim('shop/fd', ['east=ca:2222', 'prod=ca:1111']);
    await claim('shop/fd', []);
    expect(await redis.hget(`{${prefix}}:installation`, 'clusters')).toBe('east=ca:2222,prod=ca:1111');
  });

  it('refuses another installation on the prefix, saying which one owns it', async () => {
    await claim('shop/fd', ['prod=ca:1111']);
    const refused = await claim('payments/fd', []).catch((err: unknown) => err);
    expect(refused).toMatchObject({ code: 'config-invalid' });
    expect((refused as Error).message).toBe(
      `REDIS_PREFIX "${prefix}" belongs to installation "shop/fd" (clusters prod=ca:1111) since 2026-12-01T00:00:00.000Z; this is "payments/fd".`,
    );
    expect(await redis.hget(`{${prefix}}:installation`, 'installation')).toBe('shop/fd');
  });

  it('refuses a namesake driving other clusters, and claims atomically when two start at once', async () => {
    await claim('flightdeck', ['prod=ca:1111']);
    await expect(claim('flightdeck', ['prod=ca:9999'])).rejects.toThrow(/on clusters prod=ca:1111 .*drives prod=ca:9999/);

    const fresh = `test-installation-${randomUUID()}`;
    const results = await Promise.allSettled(['a/one', 'b/two'].map((installation) => claimInstallation(redis, fresh, { installation, clusters: [], at: T0 })));
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    await deleteKeys(redis, `{${fresh}}:*`);
  });
});
