import type { Job } from 'bullmq';
import { isFlightdeckError } from '../../errors/flightdeck-error.js';
import { dedupKeyFor } from '../../pagerduty/dedup-key-for.js';
import { irreversibleJobsThatRan } from '../../run/core/job-reverts.js';
import { runRef } from '../../run/core/run-ref.js';
import type { Run } from '../../run/core/run-schema.js';
import type { GuardDeps } from '../guards/guard-deps.js';
import type { IncidentAlert } from './incident-notifier.js';
import { enqueuePagerDutyEvent } from './pagerduty-events.js';
import { incidentAlertJobSchema } from './process-alert-jobs.js';

/**
 * BullMQ processor for `alert` jobs: a breached guard. In this order, each step recorded so a retry skips
 * it: the PagerDuty trigger is queued (its own job, retried with backoff, so an unreachable PagerDuty
 * delays nothing here); the alert is posted in the run's channel and thread; for `page`, the on-call is
 * looked up (PagerDuty on-calls of the service's escalation policy → email → Slack user) and DMed with
 * Rollback and Acknowledge buttons, and the alert is rewritten to say who was paged or why nobody was.
 * A `rollback` breach of a held run (Jobs that cannot be undone ran) pages the same way, with its own two
 * buttons. `notify` is the alert alone.
 */
export function createAlertProcessor(deps: GuardDeps) {
  return async (job: Job): Promise<void> => {
    const data = incidentAlertJobSchema.parse(job.data);
    const run = await deps.store.get(data.runId);
    const guard = run?.guards.find((candidate) => candidate.id === data.guardId);
    const breach = [...(run?.breaches ?? [])].reverse().find((candidate) => candidate.guardId === data.guardId);
    if (!run || !guard || !breach) return;
    const logger = deps.logger.child({ run: run.id, guard: guard.id, job: job.id });
    const { incidents } = deps;
    const done = await incidents.progress(run.id, guard.id, breach.at);
    const held = data.action === 'rollback' ? irreversibleJobsThatRan(run).map((item) => item.title) : [];
    const alert: IncidentAlert = {
      guardId: guard.id,
      guardTitle: guard.title,
      action: data.action,
      inconclusive: breach.detail.startsWith('inconclusive'),
      detail: breach.detail,
      at: breach.at,
      ...(held.length > 0 ? { held } : {}),
    };
    const route = deps.pagerduty?.routes.get(run.service);

    if (data.action !== 'notify' && route && done.pagerduty === undefined) {
      await incidents.open(run.id, guard.id, { dedupKey: dedupKeyFor(runRef(run), guard.id), state: 'triggering', breachAt: breach.at, action: data.action });
      await enqueuePagerDutyEvent(deps.queues, {
        kind: 'trigger',
        runId: run.id,
        guardId: guard.id,
        breachAt: breach.at,
        severity: data.action === 'rollback' ? 'critical' : 'error',
        summary: `${run.service} ${run.version} in ${run.environment}: guard "${guard.title}" ${alert.inconclusive ? 'inconclusive' : 'breached'} — ${breach.detail}`,
      });
      await incidents.markProgress(run.id, guard.id, breach.at, 'pagerduty', 'queued');
    }

    const notifier = deps.incidentNotifier;
    if (!notifier) {
      logger.warn({ action: data.action, detail: breach.detail }, 'guard alert (no Slack notifier configured)');
      return;
    }
    let alertTs = done.channel;
    if (alertTs === undefined) {
      alertTs = await notifier.postAlert(run, alert);
      await incidents.markProgress(run.id, guard.id, breach.at, 'channel', alertTs);
    }
    // A held run is a rollback breach that a person must decide on: the on-call is paged as for `page`.
    if ((data.action !== 'page' && held.length === 0) || done.onCall !== undefined) return;
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const onCall = await pageOnCall(run, alert, deps, lastAttempt);
    await incidents.markProgress(run.id, guard.id, breach.at, 'onCall', onCall);
    await notifier.updateAlert(run, alertTs, { ...alert, onCall });
    logger.info({ onCall }, 'on-call paged');
  };
}

/**
 * Finds the on-call and DMs them; returns the line the alert shows. PagerDuty being unreachable is retried
 * (rethrown) until the job's last attempt, which reports it instead.
 */
async function pageOnCall(run: Run, alert: IncidentAlert, deps: GuardDeps, lastAttempt: boolean): Promise<string> {
  const route = deps.pagerduty?.routes.get(run.service);
  const notifier = deps.incidentNotifier!;
  if (!deps.pagerduty || !route) return `No on-call found: ${run.service} has no PagerDuty configured — someone must decide on this run by hand.`;
  if (!route.escalationPolicy) return `No on-call found: ${run.service} names no PagerDuty escalation policy — someone must decide on this run by hand.`;
  let emails: string[];
  try {
    emails = await deps.pagerduty.client.findOnCallEmails(route.escalationPolicy);
  } catch (err) {
    if (isFlightdeckError(err) && err.retryable && !lastAttempt) throw err;
    return `No on-call found: PagerDuty could not be asked (${err instanceof Error ? err.message : String(err)}) — someone must decide on this run by hand.`;
  }
  if (emails.length === 0) return `No on-call found: nobody is on call for escalation policy ${route.escalationPolicy} — someone must decide on this run by hand.`;
  const paged: string[] = [];
  for (const email of emails) {
    const userId = await notifier.findUserByEmail(email);
    if (userId === undefined) continue;
    await notifier.sendOnCallDm(userId, run, alert);
    paged.push(`<@${userId}>`);
  }
  if (paged.length === 0) return `No on-call found in Slack: PagerDuty's on-call (${emails.join(', ')}) has no Slack account with that email — someone must decide on this run by hand.`;
  const buttons = `${irreversibleJobsThatRan(run).length > 0 ? 'Roll back the image anyway' : 'Rollback'} / ${alert.held ? 'Hold' : 'Acknowledge'}`;
  return `On-call ${paged.join(', ')} paged with a DM (${buttons}).`;
}
