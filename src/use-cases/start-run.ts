import { catalogued } from '../errors/error-catalogue.js';
import { resolveChannel, resolveTarget } from '../config/resolve-target.js';
import { createRun } from '../run/core/create-run.js';
import type { AuditEntry, Run } from '../run/core/run-schema.js';
import { transition, type Effect } from '../run/core/transition.js';
import type { Requester, UseCaseServices } from './use-case-services.js';

export interface StartRunRequest {
  service: string;
  version: string;
  /** Default: the service's `defaultEnvironment`. */
  environment?: string | undefined;
  /** `--emergency <reason>`: past windows and freezes, once a second person approved it. */
  emergency?: string | undefined;
  /** The commit CI built the version from, and when it was committed (epoch ms): kept on the run for the lead time, and audited. */
  commit?: { sha?: string | undefined; at?: number | undefined } | undefined;
  /** Why, in the requester's words; recorded in the `run.requested` audit entry. */
  reason?: string | undefined;
}

/**
 * Validates a deploy request against the catalog (service, environment, and whether the requester holds
 * a role allowed to deploy there), records the run (taking the service+environment lock in the same Redis
 * script) and enqueues its first work. Environments with `confirmStart` leave the run `pending` until
 * someone presses Start in its message. Only Redis is touched, so it fits in the ack window.
 *
 * @throws FlightdeckError `unknown-service`, `unknown-environment`, `environment-not-allowed` listing the
 *   valid names; `forbidden` naming the role needed (the refusal is audited); `target-locked` naming the run or person holding the
 *   lock. Nothing is recorded when it throws; a request refused for the lock has used a run id (ids are unique, not gapless).
 */
export async function startRun(request: StartRunRequest, invocation: Requester, services: UseCaseServices): Promise<Run> {
  const { catalog, checklists } = services.config;
  const service = Object.hasOwn(catalog.services, request.service) ? catalog.services[request.service] : undefined;
  const environment = request.environment ?? service?.defaultEnvironment ?? '';
  const resolved = resolveTarget(catalog, request.service, environment);
  const envConfig = catalog.environments[environment]!;
  await services.gate.authorize({
    action: request.emergency === undefined ? 'deploy.start' : 'deploy.emergency',
    userId: invocation.userId,
    via: invocation.via ?? 'command',
    what: `${invocation.via === 'api' ? 'POST /api/v1/deploys' : '/deploy'} ${request.service} ${request.version} to ${environment}${request.emergency === undefined ? '' : ' --emergency'}`,
    target: { service: request.service, environment },
    scopes: invocation.scopes,
  });
  // The gate let an emergency through only where the environment has an override.
  const emergency = request.emergency !== undefined && envConfig.emergency ? { reason: request.emergency, approver: envConfig.emergency.approver } : undefined;
  const checklist = checklists.get(envConfig.checklist);
  if (!checklist) {
    // Start-up loads every referenced checklist, so reaching this means the config changed under us.
    throw catalogued('checklist-not-loaded', { checklist: envConfig.checklist, environment });
  }
  const now = services.now();
  const id = await services.store.nextRunId();
  const run = createRun(
    {
      id,
      service: request.service,
      environment,
      version: request.version,
      target: {
        cluster: resolved.cluster,
        namespace: resolved.namespace,
        deployment: resolved.deployment,
        container: resolved.container,
        image: `${resolved.repository}:${request.version}`,
        ...(resolved.traffic ? { traffic: resolved.traffic } : {}),
        ...(resolved.blueGreen ? { blueGreen: resolved.blueGreen } : {}),
        ...(resolved.prometheusUrl ? { prometheusUrl: resolved.prometheusUrl } : {}),
      },
      requestedBy: invocation.userId,
      channel: resolveChannel(catalog, environment, invocation.channelId),
      checklist,
      confirm: { start: envConfig.confirmStart ?? false, signoffs: envConfig.confirmSignoffs ?? false },
      ...(emergency ? { emergency } : {}),
      ...(request.commit ? { commit: definedOf(request.commit) } : {}),
    },
    now,
  );
  const requested: AuditEntry = {
    run: id,
    actor: invocation.userId,
    action: emergency ? 'run.requested.emergency' : 'run.requested',
    detail: `${request.service} ${request.version} to ${environment}${emergency ? ` (emergency override, awaiting a second approval by ${emergency.approver}: ${emergency.reason})` : ''}${requestNotes(request)}`,
    at: now,
  };
  // With confirmStart the run waits, pending, for the Start button its message shows.
  const started = run.confirm.start ? { run, audit: [] as AuditEntry[], effects: [] as Effect[] } : transition(run, { type: 'start', actor: invocation.userId }, now);
  const created = await services.store.create(started.run, [requested, ...started.audit]);
  if (!created.created) {
    const holder = created.holder;
    const { id, version, state, requestedBy } = holder;
    throw catalogued('deploy-in-flight', { service: request.service, environment, holder: { id, version, state, requestedBy } });
  }
  // Queued before the run's own work, so an emergency is on its way to the audit channel before anything moves.
  const auditChannel = emergency ? envConfig.emergency?.auditChannel : undefined;
  if (auditChannel !== undefined) await services.engine.announceEmergency(created.run, auditChannel);
  await services.engine.dispatch(created.run, started.effects);
  return created.run;
}

/** What the requester said beyond the target, for the audit: ` (commit 1a2b3c, committed 2026-…Z; reason: …)`. */
function requestNotes(request: StartRunRequest): string {
  const notes = [
    request.commit?.sha === undefined ? undefined : `commit ${request.commit.sha}`,
    request.commit?.at === undefined ? undefined : `committed ${new Date(request.commit.at).toISOString()}`,
    request.reason === undefined ? undefined : `reason: ${request.reason}`,
  ].filter((note) => note !== undefined);
  return notes.length === 0 ? '' : ` (${notes.join('; ')})`;
}

/** The commit's fields that were given: the run document holds no `undefined`. */
function definedOf(commit: { sha?: string | undefined; at?: number | undefined }): { sha?: string; at?: number } {
  return { ...(commit.sha === undefined ? {} : { sha: commit.sha }), ...(commit.at === undefined ? {} : { at: commit.at }) };
}
