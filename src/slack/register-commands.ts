import type { App } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import type { CommandDefinition, CommandServices } from '../../commands/command-definition.js';
import { isFlightdeckError } from '../errors/flightdeck-error.js';
import { toUserText } from '../errors/user-text.js';
import type { Logger } from '../observability/create-logger.js';

/**
 * Wires each command definition to Bolt. The handler only reads and writes Redis, then the reply goes out
 * as the ack body, so the person sees the answer (or exactly what was wrong) within Slack's 3 seconds.
 */
export function registerCommands(
  app: App,
  commands: readonly CommandDefinition<unknown>[],
  services: CommandServices,
  logger: Logger,
): void {
  for (const definition of commands) {
    app.command(definition.name, async ({ command, ack }) => {
      const log = logger.child({ command: definition.name, user: command.user_id, channel: command.channel_id });
      try {
        const request = definition.parse(command.text ?? '');
        const reply = await definition.handle(request, { userId: command.user_id, channelId: command.channel_id }, services);
        await ack({ response_type: reply.inChannel ? 'in_channel' : 'ephemeral', text: reply.text });
        log.info({ text: command.text }, 'command handled');
      } catch (err) {
        const reference = randomUUID().slice(0, 8);
        if (isFlightdeckError(err)) log.info({ code: err.code, text: command.text }, 'command refused');
        else log.error({ err, reference, text: command.text }, 'command failed');
        await ack({ response_type: 'ephemeral', text: toUserText(err, reference) });
      }
    });
  }
}
