import { Redis, ReplyError } from 'ioredis';
import { describeFailure, measureWithDeadline } from './measure-with-deadline.js';
import type { ProbeProvider } from './probe-provider.js';
import type { RedisProbeSpec } from './probe-types.js';
import { redactUrl } from './redact-url.js';

/**
 * Connects to Redis (no reconnects, no offline queue), sends PING and disconnects. `successful` on PONG;
 * `failed` when the server answers PING with an error (e.g. LOADING, MASTERDOWN); `error` when it cannot
 * be reached or rejects the connection (refused, timeout, authentication).
 */
export const redisProbe: ProbeProvider<RedisProbeSpec> = {
  type: 'redis',
  measure(spec, ctx) {
    const target = `redis ${redactUrl(spec.url)}`;
    return measureWithDeadline(ctx, target, async (signal) => {
      const client = new Redis(spec.url, {
        lazyConnect: true,
        connectTimeout: ctx.timeoutMs,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => null,
      });
      // Without retries connect() rejects with a bare "Connection is closed."; the socket error says why.
      let socketError: unknown;
      client.on('error', (err) => {
        socketError = err;
      });
      const stop = (): void => client.disconnect();
      signal.addEventListener('abort', stop, { once: true });
      try {
        const started = ctx.now();
        await client.connect().catch((err: unknown) => {
          throw socketError ?? err;
        });
        let reply: string;
        try {
          reply = await client.ping();
        } catch (err) {
          // An authentication problem is a setup mistake, not a verdict on the server's health.
          const authProblem = /^(NOAUTH|WRONGPASS|NOPERM)/.test((err as Error).message);
          if (err instanceof ReplyError && !authProblem) return { outcome: 'failed', message: `${target} answered PING with ${describeFailure(err)}` };
          throw err;
        }
        const ms = Math.max(0, Math.round(ctx.now() - started));
        if (reply !== 'PONG') return { outcome: 'failed', value: reply, message: `${target} answered PING with ${JSON.stringify(reply)}` };
        return { outcome: 'successful', value: reply, message: `${target} answered PONG in ${ms} ms` };
      } finally {
        signal.removeEventListener('abort', stop);
        client.disconnect();
      }
    }, { redact: [spec.url] });
  },
};
