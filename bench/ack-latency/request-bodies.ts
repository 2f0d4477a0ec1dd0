import { findButton } from '../../sandbox/slack/find-button.js';
import { blockActionPayload, slashCommandFields, type PayloadContext } from '../../sandbox/slack/interaction-payloads.js';
import type { SlackEmulator } from '../../sandbox/slack/slack-types.js';

function payloadContext(slack: SlackEmulator): PayloadContext {
  return {
    emulator: slack,
    teamId: slack.teamId,
    appId: slack.appId,
    teamDomain: slack.teamDomain,
    userName: (id) => slack.user(id)?.name ?? id.toLowerCase(),
    channelName: (id) => id.toLowerCase(),
  };
}

/**
 * Form bodies of `/deploy <text>` slash commands exactly as Slack sends them (each with its own response
 * URL and trigger id), one per text, typed in the matching channel.
 */
export function slashCommandBodies(slack: SlackEmulator, commands: readonly { text: string; channelId: string }[]): string[] {
  const ctx = payloadContext(slack);
  return commands.map(({ text, channelId }) =>
    new URLSearchParams(slashCommandFields(ctx, { command: '/deploy', text, channelId, userId: 'U0ALICE' }).payload).toString(),
  );
}

/**
 * `block_actions` bodies of a click on the button `actionId` of each message, as Bob, with the message
 * as the emulator holds it now.
 *
 * @throws Error when a message is missing or offers no such button (listing the buttons it has).
 */
export function buttonClickBodies(slack: SlackEmulator, messages: readonly { channelId: string; messageTs: string }[], actionId: string): string[] {
  const ctx = payloadContext(slack);
  return messages.map(({ channelId, messageTs }) => {
    const stored = slack.message(channelId, messageTs);
    if (!stored) throw new Error(`no message ${messageTs} in ${channelId}`);
    const button = findButton(stored.blocks, actionId);
    const built = blockActionPayload(ctx, {
      userId: 'U0BOB',
      channelId,
      messageTs,
      actionId: button.actionId,
      blockId: button.blockId,
      ...(button.value !== undefined ? { value: button.value } : {}),
    });
    return new URLSearchParams({ payload: JSON.stringify(built.payload) }).toString();
  });
}
