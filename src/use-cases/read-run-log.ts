import { catalogued } from '../errors/error-catalogue.js';
import type { AuditEntry, Run } from '../run/core/run-schema.js';
import type { Requester, UseCaseServices } from './use-case-services.js';

/** Audit entries a log reads: as many as its timeline shows. */
const LOG_AUDIT_ENTRIES = 500;

/**
 * What a run's deployment log is written from, for a person who asked for it: the run and its audit
 * entries still in the live stream, once the gate allows it (`run.log`). Reads Redis only, so it fits in
 * Slack's ack window.
 *
 * @throws FlightdeckError `run-not-found`; a refusal from the gate (audited).
 */
export async function readRunLog(request: { runId: string }, requester: Requester, services: UseCaseServices): Promise<{ run: Run; audit: AuditEntry[] }> {
  const run = await services.store.get(request.runId);
  if (!run) throw catalogued('no-such-run', { runId: request.runId });
  const { run: allowed } = await services.gate.authorize({ action: 'run.log', userId: requester.userId, via: 'command', what: `/deploy log ${run.id}`, runId: run.id });
  const read = allowed ?? run;
  return { run: read, audit: await services.store.audit(read.id, LOG_AUDIT_ENTRIES) };
}
