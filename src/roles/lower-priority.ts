import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { Logger } from '../observability/create-logger.js';

/**
 * How many nice levels the worker process a role `all` process forks runs below it. Its work waits seconds
 * anyway (a turn in a channel, a rollout); an ack has Slack's 3 s, and the people clicking expect it at once.
 * At 10 levels the kernel gives the answering process about nine tenths of a CPU both want, and the workers
 * every CPU it leaves idle.
 */
export const SUPERVISED_WORKER_NICENESS = 10;

/**
 * Lowers this process's CPU priority by `levels` nice levels (at most to 19). Linux schedules each thread by its
 * own niceness and a new thread takes its creator's, so every thread already running (V8's and libuv's) is
 * lowered, and the ones started later follow; elsewhere the process's one niceness is. A refusal is logged
 * and changes nothing else: the process runs as before.
 */
export function lowerPriority(levels: number, logger: Logger): void {
  let threads: number[];
  try {
    threads = readdirSync('/proc/self/task').map(Number);
  } catch {
    threads = [process.pid];
  }
  let lowered = 0;
  let refusal: unknown;
  for (const thread of threads) {
    try {
      setPriority(thread, Math.min(19, getPriority(thread) + levels));
      lowered += 1;
    } catch (err) {
      // A thread that ended since it was listed has nothing left to lower.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') refusal ??= err;
    }
  }
  // One line, not one per thread: a refusal (a seccomp profile forbidding setpriority) refuses them all alike.
  if (refusal !== undefined) logger.warn({ err: refusal, lowered, threads: threads.length }, 'could not lower the worker process priority; it runs as the web process does');
  else logger.debug({ threads: lowered, niceness: getPriority() }, 'worker process priority lowered');
}
