import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/create-logger.js';
import { fleetReconcilePass } from '../../src/queue/engine/fleet-reconcile-pass.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { deleteKeys } from '../support/delete-keys.js';
import { waitUntil } from '../support/wait-until.js';

/*
 * Every worker process starts a reconcile pass on its own timer; across the fleet one runs at a time, about
 * once per interval, as with one worker process. Two processes are two connections and two stores on one prefix.
 */

const EVERY_MS = 60_000;
const logger = createLogger('silent');

let redises: Redis[];
let cleanup: Redis;
let prefix: string;

beforeEach(() => {
  redises = [new Redis({ host: '127.0.0.1', port: 6379 }), new Redis({ host: '127.0.0.1', port: 6379 })];
  cleanup = new Redis({ host: '127.0.0.1', port: 6379 });
  prefix = `it-fleet-pass-${randomUUID()}`;
});

afterEach(async () => {
  await deleteKeys(cleanup, `{${prefix}}*`);
  for (const redis of [...redises, cleanup]) redis.disconnect();
});

/** A pass that counts its starts and runs until `finish` is called (`held` false: ends at once). */
function heldPass(held = true) {
  let finish = () => {};
  const pass = {
    started: 0,
    finish: () => finish(),
    run: () => {
      pass.started += 1;
      return held ? new Promise<void>((resolve) => (finish = resolve)) : Promise.resolve();
    },
  };
  return pass;
}

describe('the reconcile pass across worker processes', () => {
  it('runs in one process at a time, and not again in another within the interval', async () => {
    const passes = [heldPass(), heldPass()];
    const [first, second] = redises.map((redis, i) => fleetReconcilePass(new RunStore(redis, prefix).reconciles, EVERY_MS, logger, passes[i]!.run));
    const running = first!();
    await waitUntil('the first process to start its pass', () => (passes[0]!.started === 1 ? true : undefined));

    // The other process's tick, and the first's own next tick while its pass runs, leave it to the pass under way.
    expect(await second!()).toBe(false);
    expect(await first!()).toBe(false);
    passes[0]!.finish();
    expect(await running).toBe(true);
    // Over: the other process still leaves it until the interval since it started has (nearly) gone by.
    expect(await second!()).toBe(false);
    expect(passes.map((pass) => pass.started)).toEqual([1, 0]);
  });

  it('is taken by another process once the holder is gone', async () => {
    const passes = [heldPass(), heldPass(false)];
    const [first, second] = redises.map((redis, i) => fleetReconcilePass(new RunStore(redis, prefix).reconciles, 100, logger, passes[i]!.run));
    void first!();
    await waitUntil('the first process to start its pass', () => (passes[0]!.started === 1 ? true : undefined));
    // The holder dies mid-pass: nothing renews the pass any more, and it lapses.
    redises[0]!.disconnect();
    await waitUntil('the other process to take the pass', async () => ((await second!()) ? true : undefined));
    expect(passes[1]!.started).toBe(1);
    passes[0]!.finish();
  });
});
