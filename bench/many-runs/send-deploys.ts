import { signSlackRequest } from '../../sandbox/slack/index.js';
import { placementOf, serviceName } from '../bench-catalog.js';
import type { SlashCommandContext } from './emulator-messages.js';

/** /deploys in flight at once while the runs are created. */
export const DEPLOY_CONCURRENCY = 50;

/**
 * Sends one signed `/deploy` per service (closed loop, {@link DEPLOY_CONCURRENCY} in flight) from `channels`
 * round-robin, with every field Slack sends; the response URLs and trigger ids come from the emulator process
 * beforehand, so this process does the sending only. Returns each ack's latency and how many were refused.
 */
export async function sendDeploys(o: { eventsUrl: string; signingSecret: string; context: SlashCommandContext; channels: readonly string[]; runs: number }): Promise<{ acks: number[]; refused: number }> {
  const { context } = o;
  const acks: number[] = [];
  let refused = 0;
  let next = 0;
  const send = async (i: number) => {
    const channel = o.channels[i % o.channels.length] as string;
    const issued = context.issued[i];
    if (!issued) throw new Error(`no response URL issued for /deploy ${i}`);
    const body = new URLSearchParams({
      token: 'legacy',
      team_id: context.teamId,
      team_domain: context.teamDomain,
      channel_id: channel,
      channel_name: channel.toLowerCase(),
      user_id: context.userId,
      user_name: context.userName,
      command: '/deploy',
      text: `${serviceName(i)} v2.0.0 to ${placementOf(i, o.runs, 1).environment}`,
      api_app_id: context.appId,
      is_enterprise_install: 'false',
      response_url: issued.responseUrl,
      trigger_id: issued.triggerId,
    }).toString();
    const sent = performance.now();
    const response = await fetch(o.eventsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(o.signingSecret, body) },
      body,
    });
    const text = await response.text();
    acks.push(performance.now() - sent);
    if (response.status !== 200 || !/Run #\d+: deploying/.test(text)) refused += 1;
  };
  await Promise.all(
    Array.from({ length: DEPLOY_CONCURRENCY }, async () => {
      while (next < o.runs) await send(next++);
    }),
  );
  return { acks, refused };
}
