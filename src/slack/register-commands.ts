import type { App } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import type { CommandDefinition, CommandServices } from '../../commands/command-definition.js';
import { isFlightdeckError } from '../errors/flightdeck-error.js';
import { toUserText } from '../errors/user-text.js';
import type { Logger } from '../observability/create-logger.js';
import { buildRequestedModal } from './build-requested-modal.js';
import { toSlackError } from './slack-notifier.js';
import type { RespondTo } from './respond-to.js';

/**
 * Wires each command definition to Bolt. The handler only reads and writes Redis, then the reply goes out
 * as the ack body, so the person sees the answer (or exactly what was wrong) within Slack's 3 seconds.
 *
 * A reply with a modal is acked empty first and the modal opened right after with the command's
 * trigger_id. Both clocks start when Slack sends the command (3 s each), so acking first costs the modal
 * nothing and means a slow `views.open` can never turn into a "dispatch_failed" for the command; if the
 * modal cannot be opened, the person gets the reason through the response URL instead.
 */
export function registerCommands(
  app: App,
  commands: readonly CommandDefinition<unknown>[],
  services: CommandServices,
  logger: Logger,
  respondTo: RespondTo,
): void {
  for (const definition of commands) {
    app.command(definition.name, async ({ command, ack, client }) => {
      const log = logger.child({ command: definition.name, user: command.user_id, channel: command.channel_id });
      try {
        const request = definition.parse(command.text ?? '');
        const invocation = { userId: command.user_id, channelId: command.channel_id, triggerId: command.trigger_id, responseUrl: command.response_url };
        const reply = await definition.handle(request, invocation, services);
        if (reply.modal) {
          await ack();
          try {
            await client.views.open({ trigger_id: command.trigger_id, view: buildRequestedModal(reply.modal, services.config.catalog) });
            log.info('modal opened');
          } catch (err) {
            log.warn({ err }, 'modal could not be opened');
            // Already acked: a failure here must not reach the catch below, which would ack a second time.
            const reason = toUserText(toSlackError(err, 'views.open'), randomUUID().slice(0, 8));
            await respondTo(command.response_url)({ response_type: 'ephemeral', text: `${reason}\n${reply.text}` }).catch(
              (respondErr: unknown) => log.error({ err: respondErr }, 'could not tell the person the modal failed'),
            );
          }
          return;
        }
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
