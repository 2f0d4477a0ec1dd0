import { resolveTarget } from '../config/resolve-target.js';
import { catalogued } from '../errors/error-catalogue.js';
import type { Requester, UseCaseServices } from './use-case-services.js';
import type { StartRunRequest } from './start-run.js';

/**
 * Asks for the plan of a deploy without making it: checks the request as a deploy is checked (catalog,
 * and a role allowed to deploy there; windows and freezes do not hold a plan), audits it as a dry run and
 * enqueues the worker job that works the plan out and answers at `responseUrl` (a typed command) or, from the
 * `/deploy` modal, whose submission has no response URL, in an ephemeral message in the invoking channel.
 * Records no run and takes no lock; only Redis is touched, so it fits in the ack window.
 *
 * @throws FlightdeckError `unknown-service`, `unknown-environment`, `environment-not-allowed`; `forbidden`
 *   (audited); `usage` when there is nowhere to answer (not from Slack).
 */
export async function requestDryRun(request: StartRunRequest & { replayMs?: number | undefined }, invocation: Requester & { responseUrl?: string | undefined }, services: UseCaseServices): Promise<{ environment: string }> {
  const { catalog } = services.config;
  const service = Object.hasOwn(catalog.services, request.service) ? catalog.services[request.service] : undefined;
  const environment = request.environment ?? service?.defaultEnvironment ?? '';
  resolveTarget(catalog, request.service, environment);
  await services.gate.authorize({
    action: 'deploy.dry-run',
    userId: invocation.userId,
    via: invocation.via ?? 'command',
    what: `/deploy ${request.service} ${request.version} to ${environment} --dry-run`,
    target: { service: request.service, environment },
  });
  const answerTo = whereToAnswer(invocation);
  await services.store.auditOnly({ run: '', actor: invocation.userId, action: 'deploy.dry-run', detail: `${request.service} ${request.version} to ${environment}`, at: services.now() });
  await services.engine.requestDryRun({ service: request.service, environment, version: request.version, requestedBy: invocation.userId, ...answerTo, ...(request.replayMs === undefined ? {} : { replayMs: request.replayMs }) });
  return { environment };
}

function whereToAnswer(invocation: Requester & { responseUrl?: string | undefined }): { responseUrl: string } | { ephemeralIn: string } {
  if (invocation.responseUrl !== undefined) return { responseUrl: invocation.responseUrl };
  if (invocation.via === 'modal' && invocation.channelId !== '') return { ephemeralIn: invocation.channelId };
  throw catalogued('dry-run-needs-slack', {});
}
