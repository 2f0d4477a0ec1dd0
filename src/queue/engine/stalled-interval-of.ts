/**
 * The BullMQ `stalledInterval` for a job lock of `lockMs`: a fifth of it, at least 1 s. A killed worker's job is
 * back on another worker within lockDuration + 2 × stalledInterval (a check is skipped while the previous one's
 * `stalled-check` key, whose TTL is stalledInterval, has not expired yet), so with the default 5 s lock that is 7 s.
 * Checking more often costs one cheap script per queue a second for the whole installation (the key lets one worker
 * in per interval) and does not make false stalls likelier: a job is only moved when its lock has expired, which
 * takes a worker missing its renewals (every quarter to half of the lock) for about half the lock.
 */
export function stalledIntervalOf(lockMs: number): number {
  return Math.max(1000, Math.floor(lockMs / 5));
}
