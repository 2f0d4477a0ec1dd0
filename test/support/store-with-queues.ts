import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach } from 'vitest';
import { createQueues, type Queues } from '../../src/queue/engine/create-queues.js';
import { RunStore } from '../../src/run/store/run-store.js';
import { deleteKeys } from './delete-keys.js';

/** A run store and the queues on the real Redis, under a key prefix of one test's own. */
export interface StoreWithQueues {
  redis: Redis;
  prefix: string;
  store: RunStore;
  queues: Queues;
}

/**
 * Opens a {@link StoreWithQueues} before each test of the file (prefix `<name>-<uuid>`) and, after it, closes
 * the queues, deletes every key under the prefix and disconnects. Returns the current test's.
 */
export function useStoreWithQueues(name: string): () => StoreWithQueues {
  let current: (StoreWithQueues & { connection: Redis }) | undefined;
  beforeEach(() => {
    const redis = new Redis({ host: '127.0.0.1', port: 6379 });
    // BullMQ's connection blocks and must never give up on a command.
    const connection = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
    const prefix = `${name}-${randomUUID()}`;
    current = { redis, connection, prefix, store: new RunStore(redis, prefix), queues: createQueues(connection, prefix) };
  });
  afterEach(async () => {
    if (!current) return;
    const { redis, connection, prefix, queues } = current;
    await queues.close();
    await deleteKeys(redis, `{${prefix}}*`);
    redis.disconnect();
    connection.disconnect();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('useStoreWithQueues: read outside a test');
    return current;
  };
}
