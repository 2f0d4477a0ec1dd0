import type { CommandInvocation, CommandServices } from '../../commands/command-definition.js';
import { resolveTarget } from '../config/resolve-target.js';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import { createRun } from '../run/create-run.js';
import type { Run } from '../run/run-schema.js';
import { transition } from '../run/transition.js';

export interface StartRunRequest {
  service: string;
  version: string;
  environment?: string | undefined;
}

/**
 * Validates a deploy request against the catalog, records the run (taking the service+environment lock
 * in the same Redis script) and enqueues its first work. Only Redis is touched, so it fits in the ack window.
 */
export async function startRun(
  request: StartRunRequest,
  invocation: CommandInvocation,
  services: CommandServices,
): Promise<Run> {
  const { catalog, checklists } = services.config;
  const service = Object.hasOwn(catalog.services, request.service) ? catalog.services[request.service] : undefined;
  const environment = request.environment ?? service?.defaultEnvironment ?? '';
  const resolved = resolveTarget(catalog, request.service, environment);
  const checklistName = catalog.environments[environment]!.checklist;
  const checklist = checklists.get(checklistName);
  if (!checklist) {
    // Start-up loads every referenced checklist, so reaching this means the config changed under us.
    throw new FlightdeckError('config-invalid', `The checklist \`${checklistName}\` for ${environment} is not loaded.`);
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
      },
      requestedBy: invocation.userId,
      channel: invocation.channelId || catalog.slack.defaultChannel,
      checklist,
    },
    now,
  );
  const started = transition(run, { type: 'start', actor: invocation.userId }, now);
  const created = await services.store.create(started.run, [
    {
      run: id,
      actor: invocation.userId,
      action: 'run.requested',
      detail: `${request.service} ${request.version} to ${environment}`,
      at: now,
    },
    ...started.audit,
  ]);
  if (!created.created) {
    const holder = created.holder;
    throw new FlightdeckError(
      'target-locked',
      `\`${request.service}\` is already being deployed to ${environment} by run #${holder.id} (\`${holder.version}\`, requested by <@${holder.requestedBy}>, ${holder.state}).`,
      { remedy: 'Wait for that run to finish, then deploy again.' },
    );
  }
  await services.engine.dispatch(created.run, started.effects);
  return created.run;
}
