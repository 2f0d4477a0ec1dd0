import { escapeMrkdwn } from '../../src/format/escape-mrkdwn.js';
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
