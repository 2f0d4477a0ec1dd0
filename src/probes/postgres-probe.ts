import pg from 'pg';
import { describeFailure, measureWithDeadline } from './measure-with-deadline.js';
import type { ProbeProvider } from './probe-provider.js';
import type { PostgresProbeSpec } from './probe-types.js';
import { redactUrl } from './redact-url.js';

/**
 * SQLSTATE classes that mean "the server is there but cannot serve now" (53 insufficient resources,
 * 57 operator intervention, e.g. starting up or shutting down): a verdict on its health, so `failed`.
 */
const UNHEALTHY_SQLSTATE = /^(53|57)/;

/**
 * Connects with node-postgres, runs `SELECT 1` and closes the connection. `successful` when the row
 * comes back; `failed` for the server-side states above; `error` for everything else (refused, timeout,
 * authentication, unknown database).
 */
export const postgresProbe: ProbeProvider<PostgresProbeSpec> = {
  type: 'postgres',
  measure(spec, ctx) {
    const target = `postgres ${redactUrl(spec.url)}`;
    return measureWithDeadline(ctx, target, async (signal) => {
      const client = new pg.Client({ connectionString: spec.url, connectionTimeoutMillis: ctx.timeoutMs, query_timeout: ctx.timeoutMs });
      // Errors after connect also reject the pending call; the listener keeps them from crashing the process.
      client.on('error', () => undefined);
      const stop = (): void => void client.end().catch(() => undefined);
      signal.addEventListener('abort', stop, { once: true });
      try {
        const started = ctx.now();
        await client.connect();
        const result = await client.query<{ one: number }>('SELECT 1 AS one');
        const ms = Math.max(0, Math.round(ctx.now() - started));
        if (result.rows[0]?.one !== 1) return { outcome: 'failed', message: `${target} answered SELECT 1 without the expected row` };
        return { outcome: 'successful', value: ms, message: `${target} answered SELECT 1 in ${ms} ms` };
      } catch (err) {
        const sqlState = (err as { code?: unknown }).code;
        if (typeof sqlState === 'string' && UNHEALTHY_SQLSTATE.test(sqlState)) {
          return { outcome: 'failed', message: `${target} cannot serve: ${describeFailure(err)} (SQLSTATE ${sqlState})` };
        }
        throw err;
      } finally {
        signal.removeEventListener('abort', stop);
        await client.end().catch(() => undefined);
      }
    }, { redact: [spec.url] });
  },
};
