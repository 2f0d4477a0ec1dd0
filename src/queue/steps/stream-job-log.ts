import type { RunStepOf } from '../../run/core/run-item-schema.js';
import type { Run } from '../../run/core/run-schema.js';
import { escapeMrkdwn } from '../../format/escape-mrkdwn.js';
import { newestJobPod, readJobPodLog } from '../../k8s/read-job-log.js';
import { stableOf, type StepContext } from './step-context.js';

/** How often a running Job's log is read: each read that finds new lines makes at most one batch of replies. */
export const LOG_POLL_MS = 3000;
/** Lines of one pod streamed to the thread at most; the rest is in the file a failed Job gets, or on request. */
const STREAM_MAX_LINES = 1000;
/** Lines one read sends on: a burst is spread over several reads rather than one long batch of replies. */
const LINES_PER_READ = 200;
/** Bytes of the log one read asks for: enough for STREAM_MAX_LINES lines of ordinary length. */
const READ_LIMIT_BYTES = 512 * 1024;
/** Characters of the last line the message shows while the Job runs. */
const LAST_LINE_CHARS = 200;

export interface JobLogStream {
  /** Stops reading after one last read (the Job has ended: its log is whole; none when the worker shuts down), and waits for it. */
  stop(): Promise<void>;
}

/**
 * Streams a running `job` step's log into the run's thread: every LOG_POLL_MS it reads the newest pod's log
 * and reports the lines past what the thread has (`job-log-streamed`); the transition stores how far they got
 * with the replies it queues, so a step resumed by another worker goes on from there, and the replies take
 * their turn in the channel like any other. A log that cannot be read yet (no pod, the container waiting to
 * start) or at all (no `get` on `pods/log`) is left for the step's end, which reports why.
 */
export function streamJobLog(run: Run, item: RunStepOf<'job'>, context: StepContext, jobName: string): JobLogStream {
  const { client } = stableOf(run, context);
  const namespace = run.target.namespace;
  let reached = item.logStream ? { ...item.logStream } : undefined;
  let stopped = false;

  const readOnce = async (): Promise<void> => {
    const podName = (await newestJobPod(client, namespace, jobName))?.metadata?.name;
    if (!podName) return;
    const from = reached?.podName === podName ? reached.lines : 0;
    if (from >= STREAM_MAX_LINES) return;
    const lines = await readJobPodLog(client, { namespace, podName, limitBytes: READ_LIMIT_BYTES });
    for (let at = from; at < Math.min(lines.length, STREAM_MAX_LINES); at += LINES_PER_READ) {
      const batch = lines.slice(at, Math.min(at + LINES_PER_READ, lines.length, STREAM_MAX_LINES));
      const after = await context.engine.apply(run.id, { type: 'job-log-streamed', itemId: item.id, jobName, podName, from: at, lines: batch });
      const stored = after.phases.flatMap((phase) => phase.items).find((candidate) => candidate.id === item.id);
      reached = stored?.kind === 'step' && stored.action === 'job' ? stored.logStream : undefined;
      // Another worker got further (or elsewhere): read again next time from where the run is.
      if (reached?.podName !== podName || reached.lines !== at + batch.length) return;
      if (!stopped) break;
    }
    const last = reached?.podName === podName ? lines[reached.lines - 1] : undefined;
    if (!stopped && last !== undefined) {
      // The message shows the running Job's latest line; the thread has them all.
      const shown = last.length > LAST_LINE_CHARS ? `${last.slice(0, LAST_LINE_CHARS - 1)}…` : last;
      await context.engine.apply(run.id, { type: 'step-progress', itemId: item.id, detail: `job ${jobName} running, ${reached!.lines} log lines so far, the last: ${escapeMrkdwn(shown)}` });
    }
  };
  const safely = () => readOnce().catch(() => {});

  let pending: Promise<void> | undefined;
  const timer = setInterval(() => {
    // A read still going (a slow API server) is not queued behind: the next tick reads what it missed.
    pending ??= safely().finally(() => {
      pending = undefined;
    });
  }, LOG_POLL_MS);
  return {
    async stop() {
      clearInterval(timer);
      stopped = true;
      await pending;
      // A worker shutting down hands the step back at once: whoever takes it over reads on from the stored offset.
      if (!context.signal?.aborted) await safely();
    },
  };
}
