import type { Flightdeck } from '../start-flightdeck.js';
import { workerFamilies } from '../observability/merge-worker-metrics.js';
import { toWorkerSchema, type FromWorker } from './worker-messages.js';

/**
 * In the worker process a role `all` process forked: says when the workers have started, and answers the
 * supervisor's readiness and metrics questions over IPC. Without an IPC channel it does nothing.
 */
export function answerSupervisor(flightdeck: Flightdeck, onSupervisorGone: () => void): { close(): void } {
  const send = process.send?.bind(process);
  if (!send) return { close: () => undefined };
  const onMessage = (raw: unknown) => {
    const parsed = toWorkerSchema.safeParse(raw);
    if (!parsed.success) return;
    const question = parsed.data;
    const answer: Promise<FromWorker> =
      question.type === 'readiness'
        ? flightdeck.readiness().then((report) => ({ type: 'readiness', id: question.id, ...report }))
        : workerFamilies(flightdeck.metrics.registry).then((families) => ({ type: 'metrics', id: question.id, families }));
    // An answer that cannot be made or sent leaves the supervisor's question to time out, which it reports.
    answer.then((message) => send(message), () => undefined);
  };
  process.on('message', onMessage);
  process.once('disconnect', onSupervisorGone);
  send({ type: 'started' } satisfies FromWorker);
  return {
    /** After a stop: lets go of the channel, which would otherwise keep this process alive. */
    close() {
      process.off('message', onMessage);
      process.off('disconnect', onSupervisorGone);
      process.disconnect?.();
    },
  };
}
