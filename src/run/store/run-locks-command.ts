import { z } from 'zod';
import type { Env } from '../../config/load-env.js';
import { connectCliRedis } from './connect-cli-redis.js';
import { readFlags } from './read-flags.js';
import { RunStore } from './run-store.js';
import { storeLimitsOf } from './store-limits-of.js';

export const LOCKS_USAGE = `Usage: flightdeck locks list
       flightdeck locks release <service> <environment> --reason <text> [--by <name>]`;

export interface LocksIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const releaseFlags = z
  .object({
    reason: z.string({ error: 'is required: say why in a few words (it is audited)' }).trim().min(3, 'say why in a few words (it is audited)'),
    by: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'a name of letters, digits and . _ @ -').optional(),
  })
  .strict();

/**
 * `flightdeck locks list | release <service> <env> --reason` (REDIS_URL, REDIS_PREFIX). `release` frees a
 * person's lock or one left by a run Redis lost, audited as `lock.released` with the reason and what held
 * it; a lock an active run holds is refused (end the run instead). Exit 2 on bad arguments, 1 on a refusal.
 */
export async function runLocksCommand(args: readonly string[], env: Env, io: LocksIo, now: () => number): Promise<number> {
  const [sub, ...rest] = args;
  const usage = (problems: string[]) => {
    io.stderr(`${problems.join('\n')}\n${LOCKS_USAGE}\n`);
    return 2;
  };
  if (sub === 'list' && rest.length > 0) return usage([`Unknown arguments "${rest.join(' ')}"`]);
  if (sub !== 'list' && sub !== 'release') return usage([sub === undefined ? 'Missing subcommand' : `Unknown subcommand "${sub}"`]);
  const read = sub === 'release' ? readFlags(rest, releaseFlags, { command: 'flightdeck locks release' }) : undefined;
  if (read && 'problems' in read) return usage(read.problems);
  if (read && read.positional.length !== 2) return usage(['Give the service and the environment, e.g. flightdeck locks release api production --reason "…"']);
  const redis = await connectCliRedis(env);
  try {
    const store = new RunStore(redis, env.redisPrefix, storeLimitsOf(env));
    if (!read) {
      const locks = await store.locks();
      const lines = locks.map(({ service, environment, holder }) => {
        const held = holder.kind === 'run' ? `run #${holder.run.id} (${holder.run.state})` : holder.kind === 'manual' ? `${holder.by}: ${holder.reason}` : `unknown value "${holder.value}"`;
        return `${service} ${environment}  ${held}`;
      });
      io.stdout(lines.length === 0 ? 'No locks are held.\n' : `${lines.join('\n')}\n`);
      return 0;
    }
    const [service, environment] = read.positional as [string, string];
    const holder = await store.releaseLock(service, environment, { by: read.flags.by ?? 'cli', reason: read.flags.reason, at: now() });
    const was = holder.kind === 'manual' ? `a lock by ${holder.by} (${holder.reason})` : holder.kind === 'run' ? `run #${holder.run.id}, ${holder.run.state}` : `"${holder.value}", which names no run flightdeck knows`;
    io.stdout(`Released the lock of ${service} in ${environment}; it was held by ${was}. Audited as lock.released.\n`);
    return 0;
  } finally {
    redis.disconnect();
  }
}
