import { fork, type ChildProcess } from 'node:child_process';
import type { ReadinessReport } from '../observability/check-readiness.js';
import type { Logger } from '../observability/create-logger.js';
import { fromWorkerSchema, type FromWorker, type MetricFamily, type ToWorker } from './worker-messages.js';

/** What a role `all` process serves on behalf of the worker process it supervises. */
export interface SupervisedWorker {
  /** `worker: ok` and the worker's cluster checks; not ready while the worker is starting, down or silent. */
  readiness(): Promise<ReadinessReport>;
  /** The worker's counters and histograms; none while it is down or silent. */
  metrics(): Promise<MetricFamily[]>;
}

export interface WorkerSupervisor extends SupervisedWorker {
  /** Sends `signal` to the worker and stops restarting it; resolves with its exit code (null: killed by a signal). */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

export interface SuperviseWorkerOptions {
  /** The flightdeck entry (`cli.js`) and the arguments that make it the supervised worker. */
  entry: string;
  args: readonly string[];
  /** The worker's environment: the supervisor's own, with `FLIGHTDECK_ROLE=worker`. */
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** First restart delay, doubled after each exit up to `maxBackoffMs`. Default 1000 ms. */
  backoffMs?: number;
  /** Default 30 s. */
  maxBackoffMs?: number;
  /** A worker up this long has its next restart delay back at `backoffMs`. Default 60 s. */
  stableAfterMs?: number;
  /** How long a readiness or metrics question may wait for the worker's answer. Default 2000 ms, as /readyz's own checks. */
  answerTimeoutMs?: number;
}

type WorkerState = { kind: 'starting' } | { kind: 'up'; since: number } | { kind: 'down'; problem: string };

/**
 * Forks the worker role as a child process and keeps it running: an unexpected exit is logged and followed by a
 * restart after a growing delay. The child inherits stdout and stderr, so its pino lines go out as they are
 * written without passing through this process's event loop.
 */
export function superviseWorker(options: SuperviseWorkerOptions): WorkerSupervisor {
  const backoffMs = options.backoffMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const stableAfterMs = options.stableAfterMs ?? 60_000;
  const answerTimeoutMs = options.answerTimeoutMs ?? 2000;
  let state: WorkerState = { kind: 'starting' };
  let child: ChildProcess | undefined;
  let stopping: Promise<number | null> | undefined;
  let delayMs = backoffMs;
  let restart: NodeJS.Timeout | undefined;
  // What the last worker exited with: a stop while it is down answers that, not a clean 0.
  let lastExit: number | null = 0;
  let nextId = 0;
  const waiting = new Map<number, (answer: FromWorker | undefined) => void>();

  const start = () => {
    state = { kind: 'starting' };
    const started = fork(options.entry, [...options.args], { env: options.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child = started;
    started.on('message', (raw) => {
      const parsed = fromWorkerSchema.safeParse(raw);
      if (!parsed.success) return;
      const message = parsed.data;
      if (message.type === 'started') {
        state = { kind: 'up', since: Date.now() };
        options.logger.info({ pid: started.pid }, 'worker process started');
        return;
      }
      waiting.get(message.id)?.(message);
    });
    let ended = false;
    const onEnd = (code: number | null, signal: NodeJS.Signals | null) => {
      if (ended) return;
      ended = true;
      if (child === started) child = undefined;
      lastExit = code;
      // Questions the dead worker will never answer are answered now, by the state below.
      for (const finish of [...waiting.values()]) finish(undefined);
      if (stopping) return;
      if (state.kind === 'up' && Date.now() - state.since >= stableAfterMs) delayMs = backoffMs;
      const problem = `exited with ${signal ?? `code ${code}`}; restarting in ${delayMs} ms`;
      state = { kind: 'down', problem };
      options.logger.error({ pid: started.pid, code, signal, restartInMs: delayMs }, 'worker process exited unexpectedly; restarting it');
      restart = setTimeout(start, delayMs);
      delayMs = Math.min(delayMs * 2, maxBackoffMs);
    };
    started.once('exit', onEnd);
    started.on('error', (err) => {
      options.logger.error({ err, pid: started.pid }, 'worker process error');
      // A fork that never spawned emits no 'exit': it is restarted like one that died.
      if (started.pid === undefined) onEnd(null, null);
    });
  };

  const ask = (type: ToWorker['type']): Promise<FromWorker | undefined> => {
    const target = child;
    if (state.kind !== 'up' || !target?.connected) return Promise.resolve(undefined);
    nextId += 1;
    const id = nextId;
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(undefined), answerTimeoutMs);
      const finish = (answer: FromWorker | undefined) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(answer);
      };
      waiting.set(id, finish);
      target.send({ type, id } satisfies ToWorker, (err) => {
        if (err) finish(undefined);
      });
    });
  };

  start();
  return {
    async readiness() {
      const answer = await ask('readiness');
      if (state.kind !== 'up') return { ready: false, checks: { worker: state.kind === 'starting' ? 'starting' : state.problem } };
      if (answer?.type !== 'readiness') return { ready: false, checks: { worker: `no answer within ${answerTimeoutMs} ms` } };
      // The worker's Redis check repeats this process's own (the same Redis); its cluster checks are the worker's alone.
      const { redis: _redis, ...checks } = answer.checks;
      return { ready: answer.ready, checks: { worker: 'ok', ...checks } };
    },
    async metrics() {
      const answer = await ask('metrics');
      return answer?.type === 'metrics' ? answer.families : [];
    },
    stop(signal) {
      stopping ??= new Promise<number | null>((resolve) => {
        clearTimeout(restart);
        const target = child;
        if (!target || target.exitCode !== null || target.signalCode !== null) {
          resolve(target ? target.exitCode : lastExit);
          return;
        }
        // A worker still loading has no handler for the signal yet and dies of it: it had begun nothing, so that
        // is the clean stop asked for, not a crash.
        const loading = state.kind === 'starting';
        target.once('exit', (code, killedBy) => resolve(code === null && killedBy === signal && loading ? 0 : code));
        target.kill(signal);
      });
      return stopping;
    },
  };
}
