import type { WebClient } from '@slack/web-api';
import { toUserText } from '../errors/user-text.js';
import type { DryRunReplier } from '../queue/dry-run/dry-run-replier.js';
import { toSlackError } from './slack-notifier.js';
import { renderDryRun } from './views/render-dry-run.js';
import type { RespondTo } from './respond-to.js';

/**
 * Answers a dry run so only the person who asked sees it. A command's answer goes through its response URL
 * (no scope needed, valid 30 minutes and 5 posts, which a dry run's one answer fits); a modal submission has
 * none, so its answer is `chat.postEphemeral` in the channel `/deploy` was typed in (chat:write, the bot in
 * that channel, as for the run message itself).
 */
export function createDryRunReplier(client: Pick<WebClient, 'chat'>, respondTo: RespondTo): DryRunReplier {
  return {
    async reply(to, outcome) {
      const content = 'plan' in outcome
        ? renderDryRun(outcome.plan)
        : { text: `:warning: The dry run could not be worked out; nothing was changed.\n${toUserText(outcome.error)}` };
      if ('channel' in to) {
        try {
          await client.chat.postEphemeral({ channel: to.channel, user: to.user, ...content });
        } catch (err) {
          throw toSlackError(err, 'chat.postEphemeral');
        }
        return;
      }
      await respondTo(to.responseUrl)({ response_type: 'ephemeral', ...content });
    },
  };
}
