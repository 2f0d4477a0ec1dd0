import { blockActionPayload, slashCommandFields, type PayloadContext } from '../../../sandbox/slack/interaction-payloads.js';
import { signSlackRequest, type DriverResponse, type SlackEmulator } from '../../../sandbox/slack/index.js';
import { FAULT_CHANNEL } from './fault-catalog.js';
import { SIGNING_SECRET, type FaultCluster } from './fault-cluster.js';

/** Builds payloads exactly as the driver would, but hands back the raw bytes so one delivery can be replayed. */
export function payloadContext(emulator: SlackEmulator): PayloadContext {
  return {
    emulator,
    teamId: emulator.teamId,
    appId: emulator.appId,
    teamDomain: emulator.teamDomain,
    userName: (id) => emulator.user(id)?.name ?? id.toLowerCase(),
    channelName: (id) => (id === FAULT_CHANNEL ? 'deploys' : id.toLowerCase()),
  };
}

/** The form fields of a `/deploy` request (text and user as given). */
export function slashFields(emulator: SlackEmulator, text: string, userId = 'U0ALICE'): Record<string, string> {
  return slashCommandFields(payloadContext(emulator), { command: '/deploy', text, userId, channelId: FAULT_CHANNEL }).payload;
}

/** A `block_actions` payload clicking `button` of the message at `messageTs`. */
export function clickPayload(
  emulator: SlackEmulator,
  messageTs: string,
  button: { actionId: string; blockId: string; value?: string | undefined },
  userId = 'U0BOB',
): Record<string, unknown> {
  return blockActionPayload(payloadContext(emulator), {
    userId,
    channelId: FAULT_CHANNEL,
    messageTs,
    actionId: button.actionId,
    blockId: button.blockId,
    ...(button.value !== undefined ? { value: button.value } : {}),
  }).payload;
}

/** The form body Slack posts for an interaction. */
export const interactionBody = (payload: unknown) => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();

export interface SignOptions {
  secret?: string;
  timestampSeconds?: number;
  /** Sent as X-Slack-Retry-Num / X-Slack-Retry-Reason, as Slack marks a redelivery. */
  retryNum?: number;
}

/** The headers of a signed delivery of `body`. */
export function signedHeaders(body: string, options: SignOptions = {}): Record<string, string> {
  return {
    'content-type': 'application/x-www-form-urlencoded',
    ...signSlackRequest(options.secret ?? SIGNING_SECRET, body, options.timestampSeconds),
    ...(options.retryNum !== undefined ? { 'x-slack-retry-num': String(options.retryNum), 'x-slack-retry-reason': 'http_timeout' } : {}),
  };
}

/** POSTs `body` with `headers` to the web process's `/slack/events`, exactly as given. */
export async function post(cluster: FaultCluster, body: string, headers: Record<string, string>): Promise<DriverResponse> {
  const response = await fetch(cluster.web.eventsUrl, { method: 'POST', headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, body: text, ...(json !== undefined ? { json } : {}) };
}
