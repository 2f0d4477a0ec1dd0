import { UnrecoverableError, type Job } from 'bullmq';
import { z } from 'zod';
import { FlightdeckError, isFlightdeckError } from '../../errors/flightdeck-error.js';
import type { Logger } from '../../observability/create-logger.js';
import { dedupKeyFor } from '../../pagerduty/dedup-key-for.js';
import { runRef } from '../../run/core/run-ref.js';
import type { RunStore } from '../../run/store/run-store.js';
import type { Queues } from '../engine/create-queues.js';
import type { IncidentStore } from './incident-store.js';
import type { PagerDutyWiring } from './pagerduty-routes.js';

export const PAGERDUTY_JOB = 'pagerduty';

const guardEvent = { runId: z.string().min(1), guardId: z.string().min(1) };

export const pagerDutyJobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('trigger'), ...guardEvent, summary: z.string().min(1), severity: z.enum(['critical', 'error', 'warning', 'info']), breachAt: z.number() }),
  z.object({ kind: z.literal('acknowledge'), ...guardEvent, actor: z.string() }),
  z.object({ kind: z.literal('resolve'), ...guardEvent }),
  z.object({ kind: z.literal('change'), runId: z.string().min(1), what: z.enum(['started', 'finished', 'rolled-back']), summary: z.string().min(1) }),
]);
export type PagerDutyJob = z.infer<typeof pagerDutyJobSchema>;

/**
 * Each event is its own job on the notify queue, retried with backoff far beyond a Slack message's: a
 * PagerDuty outage must neither hold up the alert and the rollback nor lose the page. Deterministic job ids
 * and PagerDuty's dedup key make a repeated enqueue or a retried send land on the same incident.
 */
const PAGERDUTY_JOB_OPTIONS = { attempts: 16, backoff: { type: 'exponential', delay: 500 } } as const;

function jobIdOf(job: PagerDutyJob): string {
  switch (job.kind) {
    case 'trigger':
      return `pd-trigger-${job.runId}-${job.guardId}-${job.breachAt}`;
    case 'acknowledge':
    case 'resolve':
      return `pd-${job.kind}-${job.runId}-${job.guardId}`;
    case 'change':
      return `pd-change-${job.runId}-${job.what}`;
  }
}

/** Enqueues one PagerDuty event; a second enqueue of the same event while the first is queued collapses. */
export async function enqueuePagerDutyEvent(queues: Queues, job: PagerDutyJob): Promise<void> {
  await queues.notify.add(PAGERDUTY_JOB, job, { jobId: jobIdOf(job), ...PAGERDUTY_JOB_OPTIONS });
}

export interface ProcessPagerDutyOptions {
  store: RunStore;
  incidents: IncidentStore;
  pagerduty: PagerDutyWiring | undefined;
  logger: Logger;
  now: () => number;
}

/**
 * BullMQ processor for `pagerduty` jobs. `pagerduty-unavailable` (network, 429, 5xx) is rethrown for the
 * queue's backoff; a rejection (bad routing key) is permanent and only logged. Acknowledge and resolve wait
 * (by retrying) until the trigger was accepted, so PagerDuty never sees a resolve before its trigger.
 */
export function createPagerDutyProcessor(options: ProcessPagerDutyOptions) {
  return async (job: Job): Promise<void> => {
    const data = pagerDutyJobSchema.parse(job.data);
    const logger = options.logger.child({ run: data.runId, job: job.id, pagerduty: data.kind });
    const run = await options.store.get(data.runId);
    const route = run ? options.pagerduty?.routes.get(run.service) : undefined;
    if (!run || !route || !options.pagerduty) {
      logger.debug('no PagerDuty route for this run; event dropped');
      return;
    }
    const { client } = options.pagerduty;
    try {
      switch (data.kind) {
        case 'trigger': {
          const dedupKey = dedupKeyFor(runRef(run), data.guardId);
          await client.trigger({
            routingKey: route.routingKey,
            dedupKey,
            summary: data.summary,
            source: `flightdeck ${run.service}/${run.environment}`,
            severity: data.severity,
            customDetails: { run: run.id, service: run.service, environment: run.environment, version: run.version, guard: data.guardId },
          });
          await options.incidents.change(run.id, data.guardId, (incident) =>
            incident.state === 'triggering' ? { ...incident, state: 'triggered', triggeredAt: options.now() } : incident,
          );
          break;
        }
        case 'acknowledge':
        case 'resolve': {
          const incident = await options.incidents.incident(run.id, data.guardId);
          if (!incident) return;
          if (incident.state === 'triggering') {
            throw new FlightdeckError('pagerduty-unavailable', `the ${data.kind} of ${incident.dedupKey} waits for its trigger to be accepted`);
          }
          const input = { routingKey: route.routingKey, dedupKey: incident.dedupKey };
          if (data.kind === 'acknowledge') {
            await client.acknowledge(input);
            await options.incidents.change(run.id, data.guardId, (current) =>
              current.state === 'triggered' ? { ...current, state: 'acknowledged', acknowledgedAt: options.now() } : current,
            );
          } else {
            await client.resolve(input);
            await options.incidents.change(run.id, data.guardId, (current) => ({ ...current, state: 'resolved', resolvedAt: options.now() }));
          }
          break;
        }
        case 'change':
          await client.changeEvent({
            routingKey: route.routingKey,
            summary: data.summary,
            source: `flightdeck ${run.service}/${run.environment}`,
            customDetails: { run: run.id, service: run.service, environment: run.environment, version: run.version, change: data.what },
          });
          break;
      }
      logger.info('PagerDuty event sent');
    } catch (err) {
      if (isFlightdeckError(err) && !err.retryable) {
        logger.error({ err }, 'PagerDuty refused the event; not retrying');
        throw new UnrecoverableError(err.message);
      }
      logger.warn({ err, attempt: job.attemptsMade + 1 }, 'PagerDuty event not delivered; retrying with backoff');
      throw err;
    }
  };
}
