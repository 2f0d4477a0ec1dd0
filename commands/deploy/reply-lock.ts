import { escapeMrkdwn } from '../../src/format/escape-mrkdwn.js';
import { freezeEnvironment, unfreezeEnvironment, type FreezeRequest } from '../../src/use-cases/freeze-environment.js';
import { lockTarget, unlockTarget } from '../../src/use-cases/lock-target.js';
import type { CommandInvocation, CommandReply, CommandServices } from '../command-definition.js';
import { formatDateTime } from './describe-run.js';
import { mentionOf } from '../../src/format/mention-of.js';

/**
 * `/deploy lock`: answered in the channel, so the team sees who stopped deployments and why.
 *
 * @throws FlightdeckError as `lockTarget`.
 */
export async function replyLock(
  request: { service: string; environment: string; reason: string },
  invocation: CommandInvocation,
  services: CommandServices,
): Promise<CommandReply> {
  await lockTarget(request, invocation, services);
  return {
    inChannel: true,
    text: `:lock: ${mentionOf(invocation.userId)} locked *${request.service}* in ${request.environment}: ${escapeMrkdwn(request.reason)}\nNew deployments there are refused until \`/deploy unlock ${request.service} ${request.environment}\`.`,
  };
}

/**
 * `/deploy unlock`: answered in the channel, naming whose lock it was.
 *
 * @throws FlightdeckError as `unlockTarget`.
 */
export async function replyUnlock(
  request: { service: string; environment: string },
  invocation: CommandInvocation,
  services: CommandServices,
): Promise<CommandReply> {
  const released = await unlockTarget(request, invocation, services);
  return {
    inChannel: true,
    text: `:unlock: ${mentionOf(invocation.userId)} unlocked *${request.service}* in ${request.environment} (locked by ${mentionOf(released.by)} since ${formatDateTime(released.at)}: ${escapeMrkdwn(released.reason)}).`,
  };
}

/**
 * `/deploy freeze`: answered in the channel, so everyone it stops sees who froze what, until when and why.
 *
 * @throws FlightdeckError as `freezeEnvironment`.
 */
export async function replyFreeze(request: FreezeRequest, invocation: CommandInvocation, services: CommandServices): Promise<CommandReply> {
  const freeze = await freezeEnvironment(request, invocation, services);
  return {
    inChannel: true,
    text: `:snowflake: ${mentionOf(invocation.userId)} froze *${request.environment}* until ${formatDateTime(freeze.until)}: ${escapeMrkdwn(request.reason)}\nNo deployment starts there until then or \`/deploy unfreeze ${request.environment}\`. Rollbacks still run.`,
  };
}

/**
 * `/deploy unfreeze`: answered in the channel, naming whose freeze it was.
 *
 * @throws FlightdeckError as `unfreezeEnvironment`.
 */
export async function replyUnfreeze(request: { environment: string }, invocation: CommandInvocation, services: CommandServices): Promise<CommandReply> {
  const lifted = await unfreezeEnvironment(request.environment, invocation, services);
  return {
    inChannel: true,
    text: `:sunny: ${mentionOf(invocation.userId)} lifted the freeze on *${request.environment}* (declared by ${mentionOf(lifted.by)}: ${escapeMrkdwn(lifted.reason)}). Deployments start there again.`,
  };
}
