import { catalogued } from '../errors/error-catalogue.js';
import type { Run } from '../run/core/run-schema.js';
import type { Requester, UseCaseServices } from './use-case-services.js';

/**
 * `/deploy log <run> <item>`: a `job` step's whole pod log, uploaded as a file in the run's thread by a
 * notify job (which reads it from the cluster in its turn). Asked through the gate (`run.log`, as the
 * deployment log: the thread shows the log to the channel anyway) and audited as `job-log.requested`.
 *
 * @throws FlightdeckError `run-not-found`, `item-not-found`, `usage` (not a job step, or its Job not started
 *   yet); a refusal from the gate (audited).
 */
export async function requestJobLog(request: { runId: string; itemId: string }, requester: Requester, services: UseCaseServices): Promise<{ run: Run; jobName: string | undefined }> {
  const found = await services.store.get(request.runId);
  if (!found) throw catalogued('no-such-run', { runId: request.runId });
  const what = `/deploy log ${found.id} ${request.itemId}`;
  const { run: allowed } = await services.gate.authorize({ action: 'run.log', userId: requester.userId, via: requester.via ?? 'command', what, runId: found.id });
  const run = allowed ?? found;
  const items = run.phases.flatMap((phase) => phase.items);
  const item = items.find((candidate) => candidate.id === request.itemId);
  if (!item) throw catalogued('no-such-item', { runId: run.id, itemId: request.itemId });
  if (item.kind !== 'step' || item.action !== 'job') {
    const jobSteps = items.flatMap((candidate) => (candidate.kind === 'step' && candidate.action === 'job' ? [candidate.id] : []));
    throw catalogued('not-a-job-step', { runId: run.id, itemId: item.id, jobSteps });
  }
  if (item.startedAt === undefined && item.outcome === undefined) throw catalogued('job-not-started', { runId: run.id, itemId: item.id });
  const now = services.now();
  await services.store.auditOnly({ run: run.id, actor: requester.userId, action: 'job-log.requested', detail: what, at: now });
  await services.engine.requestJobLog(run, item.id, requester.userId, `${requester.userId}-${now}`);
  return { run, jobName: item.outcome?.jobName };
}
