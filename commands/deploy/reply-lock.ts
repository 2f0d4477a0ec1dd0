import type { CommandInvocation, CommandReply, CommandServices } from '../command-definition.js';
import { canDeploy } from '../../src/auth/authorize.js';
import { resolveTarget } from '../../src/config/resolve-target.js';
import { auditedCheck } from '../../src/auth/audited-check.js';
import { formatDateTime } from './describe-run.js';

async function authorize(what: string, service: string, environment: string, invocation: CommandInvocation, services: CommandServices): Promise<void> {
  const { catalog } = services.config;
  resolveTarget(catalog, service, environment);
  const roles = await services.roles.rolesOf(invocation.userId);
  await auditedCheck(services, { actor: invocation.userId, what: `/deploy ${what} ${service} ${environment}` }, () =>
    canDeploy(roles, environment, catalog.environments[environment]!),
  );
}

/**
 * `/deploy lock`: whoever may deploy to the environment may lock it. Answered in the channel, so the team
 * sees who stopped deployments and why.
 *
 * @throws FlightdeckError `unknown-service`/`unknown-environment`/`environment-not-allowed`, `forbidden`
 *   naming the role (audited), `target-locked` naming the run or person already holding it.
 */
export async function lockTarget(
  request: { service: string; environment: string; reason: string },
  invocation: CommandInvocation,
  services: CommandServices,
): Promise<CommandReply> {
  await authorize('lock', request.service, request.environment, invocation, services);
  await services.store.lockManually(request.service, request.environment, { by: invocation.userId, reason: request.reason, at: services.now() });
  return {
    inChannel: true,
    text: `:lock: <@${invocation.userId}> locked *${request.service}* in ${request.environment}: ${request.reason}\nNew deployments there are refused until \`/deploy unlock ${request.service} ${request.environment}\`.`,
  };
}

/**
 * `/deploy unlock`: whoever may deploy to the environment may unlock it, whoever locked it.
 *
 * @throws FlightdeckError as `lockTarget`, plus `usage` when nothing holds the lock and `target-locked`
 *   when a run (not a person) holds it.
 */
export async function unlockTarget(
  request: { service: string; environment: string },
  invocation: CommandInvocation,
  services: CommandServices,
): Promise<CommandReply> {
  await authorize('unlock', request.service, request.environment, invocation, services);
  const released = await services.store.unlockManually(request.service, request.environment, { by: invocation.userId, at: services.now() });
  return {
    inChannel: true,
    text: `:unlock: <@${invocation.userId}> unlocked *${request.service}* in ${request.environment} (locked by <@${released.by}> since ${formatDateTime(released.at)}: ${released.reason}).`,
  };
}
