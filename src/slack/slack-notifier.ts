import { ErrorCode, WebClient, type WebAPICallResult } from '@slack/web-api';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import type { RunNotifier } from '../queue/run-notifier.js';
import type { Run } from '../run/run-schema.js';
import { renderRunMessage } from './render-run-message.js';
import { renderPhaseReminder } from './views/render-phase-reminder.js';
import { renderRunSummary } from './views/render-summary.js';

export interface SlackClientOptions {
  token: string;
  /** Slack Web API base URL with a trailing slash, e.g. `https://slack.com/api/`. */
  apiUrl: string;
}

/**
 * One WebClient configuration for every role. Retries inside the client stay short because the queue
 * retries with backoff; a 429 still pauses the client for Slack's Retry-After.
 */
export function createSlackClient(options: SlackClientOptions): WebClient {
  return new WebClient(options.token, {
    slackApiUrl: options.apiUrl,
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000 },
    timeout: 10_000,
  });
}

/** Errors Slack will keep answering no matter how often we ask: retrying them only delays the report. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'account_inactive',
  'missing_scope',
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'cant_update_message',
  'message_not_found',
]);

export function toSlackError(err: unknown, method: string): FlightdeckError {
  const code = (err as { code?: string }).code;
  if (code === ErrorCode.PlatformError) {
    const slackError = String((err as { data?: { error?: string } }).data?.error ?? 'unknown_error');
    const permanent = PERMANENT.has(slackError);
    return new FlightdeckError(permanent ? 'slack-rejected' : 'slack-failed', `Slack refused ${method}: ${slackError}.`, {
      cause: err,
      remedy: slackError === 'not_in_channel' || slackError === 'channel_not_found' ? 'Invite the flightdeck app to the channel.' : undefined,
    });
  }
  return new FlightdeckError('slack-failed', `Slack ${method} did not complete: ${(err as Error).message}`, { cause: err });
}

async function call<T extends WebAPICallResult>(method: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    throw toSlackError(err, method);
  }
}

function threadOf(run: Run): string {
  if (!run.messageTs) {
    throw new FlightdeckError('usage', `Run ${run.id} has no Slack message yet, so there is no thread to reply in.`, {
      remedy: 'Retry once the run message is posted.',
    });
  }
  return run.messageTs;
}

/**
 * Shows runs in Slack: the living checklist message, posted once and then edited in place, and the
 * replies in its thread (events, follow-up reminders, the deployment summary).
 */
export class SlackNotifier implements RunNotifier {
  constructor(private readonly client: WebClient) {}

  async post(run: Run): Promise<string> {
    const message = renderRunMessage(run);
    const result = await call('chat.postMessage', () =>
      this.client.chat.postMessage({ channel: run.channel, text: message.text, blocks: message.blocks, unfurl_links: false }),
    );
    if (!result.ts) throw new FlightdeckError('slack-failed', 'Slack chat.postMessage returned no message ts.');
    return result.ts;
  }

  async update(run: Run, messageTs: string): Promise<void> {
    const message = renderRunMessage(run);
    await call('chat.update', () =>
      this.client.chat.update({ channel: run.channel, ts: messageTs, text: message.text, blocks: message.blocks }),
    );
  }

  async postThread(run: Run, text: string): Promise<void> {
    const threadTs = threadOf(run);
    await call('chat.postMessage', () => this.client.chat.postMessage({ channel: run.channel, thread_ts: threadTs, text, unfurl_links: false }));
  }

  async postSummary(run: Run): Promise<void> {
    const threadTs = threadOf(run);
    const summary = renderRunSummary(run);
    await call('chat.postMessage', () =>
      this.client.chat.postMessage({ channel: run.channel, thread_ts: threadTs, text: summary.text, blocks: summary.blocks, unfurl_links: false }),
    );
  }

  async postPhaseReminder(run: Run, phaseId: string): Promise<void> {
    const threadTs = threadOf(run);
    const reminder = renderPhaseReminder(run, phaseId);
    await call('chat.postMessage', () =>
      this.client.chat.postMessage({ channel: run.channel, thread_ts: threadTs, text: reminder.text, blocks: reminder.blocks, unfurl_links: false }),
    );
  }
}
