import { loadavg } from 'node:os';
import { runRecoveryPass, type RecoveryPass } from './recovery-pass.js';

export interface RecoveryOptions {
  runs: number;
  /** One pass per `WORKER_LOCK_MS` value, in this order. */
  locksMs: readonly number[];
  readyDelayMs: number;
  log: (line: string) => void;
}

export interface RecoveryResult {
  runs: number;
  readyDelayMs: number;
  passes: RecoveryPass[];
  /** 1-minute load average when the measurement began and ended: other work on the machine. */
  loadAverage: { before: number; after: number };
}

/**
 * Item 4 of issue 7: from the SIGKILL of a busy worker to another worker resuming its runs, once per lock
 * duration. Each pass starts its own Redis, emulators and flightdeck processes and stops them all.
 */
export async function measureRecovery(options: RecoveryOptions): Promise<RecoveryResult> {
  const before = loadavg()[0] as number;
  const passes: RecoveryPass[] = [];
  for (const lockMs of options.locksMs) {
    const pass = await runRecoveryPass({ runs: options.runs, lockMs, readyDelayMs: options.readyDelayMs, log: options.log });
    options.log(
      `recovery (lock ${lockMs} ms): resumed p50 ${pass.resumed.p50} ms, max ${pass.resumed.max} ms; terminal p50 ${pass.terminal.p50} ms, max ${pass.terminal.max} ms (${pass.terminal.count} of ${pass.runs})`,
    );
    passes.push(pass);
  }
  return { runs: options.runs, readyDelayMs: options.readyDelayMs, passes, loadAverage: { before, after: loadavg()[0] as number } };
}
