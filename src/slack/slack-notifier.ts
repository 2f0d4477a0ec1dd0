import { createHash } from 'node:crypto';
import { ErrorCode, type FetchFunction, WebClient, WebClientEvent, type WebAPICallResult } from '@slack/web-api';
import { z } from 'zod';
import { catalogueSlackError } from '../errors/error-catalogue.js';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import type { JobLogFile, RunNotifier, SummaryLog } from '../queue/notify/run-notifier.js';
import type { StatsChartJob } from '../queue/notify/stats-chart-job.js';
import type { ThreadNote } from '../run/core/thread-note.js';
import type { AuditEntry, Run } from '../run/core/run-schema.js';
import { buildDeploymentLog } from '../format/deployment-log/build-deployment-log.js';
import { wordEmergencyAnnouncement } from '../format/word-emergency-announcement.js';
import { NameCache, namePeople } from './name-people.js';
import { renderRunMessage } from './render-run-message.js';
import { renderPhaseReminder } from './views/render-phase-reminder.js';
import { wordThreadNote } from './views/word-thread-note.js';
import { renderRunSummary } from './views/render-summary.js';
import { renderStatsChart } from './views/render-stats-chart.js';

export interface SlackClientOptions {
  token: string;
  /** Slack Web API base URL with a trailing slash, e.g. `https://slack.com/api/`. */
  apiUrl: string;
  /** How requests are sent (createProxyFetch honours HTTPS_PROXY and NO_PROXY); default Node's fetch, direct. */
  fetch?: FetchFunction;
}

const CLIENT_TIMEOUT_MS = 10_000;
const CLIENT_RETRIES = { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000 };

/**
 * One WebClient configuration for every role. Retries inside the client stay short because the queue
 * retries with backoff; a 429 still pauses the client for Slack's Retry-After (the run notifier derives
 * its own client that does not, see notifierClient).
 */
export function createSlackClient(options: SlackClientOptions): WebClient {
  return new WebClient(options.token, {
    slackApiUrl: options.apiUrl,
    retryConfig: CLIENT_RETRIES,
    timeout: CLIENT_TIMEOUT_MS,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/**
 * The notifier's own client. On a 429 it fails that call at once (WebAPIRateLimitedError, with Retry-After)
 * instead of pausing every call of the client for Retry-After: the job waits in its own channel and the
 * other channels go on. `retries` 0 makes each call once: WebClient retries a call whose answer was lost
 * (network error, timeout, 5xx), and a retried chat.postMessage is a second message; the failure must reach
 * the render job instead, whose retry looks for the first post. Its 429s are reported as `client`'s so they
 * are counted.
 */
function notifierClient(client: WebClient, retryConfig: { retries: number }, fetch: FetchFunction | undefined): WebClient {
  const derived = new WebClient(client.token, { slackApiUrl: client.slackApiUrl, retryConfig, rejectRateLimitedCalls: true, timeout: CLIENT_TIMEOUT_MS, ...(fetch ? { fetch } : {}) });
  derived.on(WebClientEvent.RATE_LIMITED, (retryAfter: number, request: unknown) => client.emit(WebClientEvent.RATE_LIMITED, retryAfter, request));
  return derived;
}

/** What marks a living message as a run's: `conversations.history` returns it with `include_all_metadata`. */
const RUN_EVENT_TYPE = 'flightdeck_run';
// Run ids restart in another installation (another Redis prefix) posting to the same channel; the creation time does not.
const runMetadataSchema = z.object({
  event_type: z.literal(RUN_EVENT_TYPE),
  event_payload: z.object({ run_id: z.string(), created_at: z.number() }),
});

function runMetadata(run: Run): z.infer<typeof runMetadataSchema> {
  return { event_type: RUN_EVENT_TYPE, event_payload: { run_id: run.id, created_at: run.createdAt } };
}

const historyPageSchema = z.object({
  messages: z.array(z.object({ ts: z.string(), metadata: z.unknown().optional() })).default([]),
  has_more: z.boolean().optional(),
  response_metadata: z.object({ next_cursor: z.string().optional() }).optional(),
});

// 5 pages of 200 reach ~1,000 messages back: far more than a channel sees between a post and its retry.
const HISTORY_PAGE_SIZE = 200;
const HISTORY_MAX_PAGES = 5;

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
    const catalogued = catalogueSlackError(slackError, method, err);
    if (catalogued) return catalogued;
    const permanent = PERMANENT.has(slackError);
    return new FlightdeckError(permanent ? 'slack-rejected' : 'slack-failed', `Slack refused ${method}: ${slackError}.`, {
      cause: err,
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

function isRunMessage(metadata: unknown, run: Run): boolean {
  const parsed = runMetadataSchema.safeParse(metadata);
  return parsed.success && parsed.data.event_payload.run_id === run.id && parsed.data.event_payload.created_at === run.createdAt;
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
  private readonly client: WebClient;
  private readonly firstPostClient: WebClient;

  /** `fetch`: the one `client` was made with (SlackClientOptions.fetch), which the notifier's own clients use too. */
  private readonly names = new NameCache();

  constructor(client: WebClient, fetch?: FetchFunction) {
    this.client = notifierClient(client, CLIENT_RETRIES, fetch);
    this.firstPostClient = notifierClient(client, { retries: 0 }, fetch);
  }

  async post(run: Run): Promise<string> {
    const message = renderRunMessage(run);
    const result = await call('chat.postMessage', () =>
      this.firstPostClient.chat.postMessage({
        channel: run.channel,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
        metadata: runMetadata(run),
      }),
    );
    if (!result.ts) throw new FlightdeckError('slack-failed', 'Slack chat.postMessage returned no message ts.');
    return result.ts;
  }

  async findPosted(run: Run, sinceMs: number): Promise<string | undefined> {
    const oldest = (Math.max(0, sinceMs) / 1000).toFixed(6);
    let cursor: string | undefined;
    for (let page = 0; page < HISTORY_MAX_PAGES; page++) {
      const result = await call('conversations.history', () =>
        this.client.conversations.history({
          channel: run.channel,
          oldest,
          include_all_metadata: true,
          limit: HISTORY_PAGE_SIZE,
          ...(cursor ? { cursor } : {}),
        }),
      );
      const parsed = historyPageSchema.safeParse(result);
      if (!parsed.success) throw new FlightdeckError('slack-failed', 'Slack conversations.history answered in an unexpected shape.');
      const found = parsed.data.messages.find((m) => isRunMessage(m.metadata, run));
      if (found) return found.ts;
      cursor = parsed.data.response_metadata?.next_cursor;
      if (!parsed.data.has_more || !cursor) return undefined;
    }
    return undefined;
  }

  async update(run: Run, messageTs: string): Promise<void> {
    const message = renderRunMessage(run);
    await call('chat.update', () =>
      this.client.chat.update({ channel: run.channel, ts: messageTs, text: message.text, blocks: message.blocks }),
    );
  }

  shownDigest(run: Run): string {
    return createHash('sha256').update(JSON.stringify(renderRunMessage(run))).digest('base64url');
  }

  async postThread(run: Run, note: ThreadNote): Promise<void> {
    const threadTs = threadOf(run);
    const text = wordThreadNote(note);
    await call('chat.postMessage', () => this.client.chat.postMessage({ channel: run.channel, thread_ts: threadTs, text, unfurl_links: false }));
  }

  async postSummary(run: Run, log?: SummaryLog): Promise<void> {
    const threadTs = threadOf(run);
    const summary = renderRunSummary(run);
    if (!log) {
      await call('chat.postMessage', () =>
        this.client.chat.postMessage({ channel: run.channel, thread_ts: threadTs, text: summary.text, blocks: summary.blocks, unfurl_links: false }),
      );
      return;
    }
    const file = await this.logFile(run, log.audit, log.now, false);
    await call('files.uploadV2', () => this.client.filesUploadV2({ channel_id: run.channel, thread_ts: threadTs, ...file, blocks: summary.blocks }));
  }

  async postLog(run: Run, audit: readonly AuditEntry[], now: number, followUp = false): Promise<void> {
    const file = await this.logFile(run, audit, now, followUp);
    await call('files.uploadV2', () => this.client.filesUploadV2({ channel_id: run.channel, thread_ts: threadOf(run), ...file }));
  }

  private async logFile(run: Run, audit: readonly AuditEntry[], now: number, followUp: boolean) {
    const people = await namePeople(this.client, [run.requestedBy, ...audit.map((entry) => entry.actor)], this.names);
    return {
      filename: `deployment-log-run-${run.id}.md`,
      title: `Deployment log — run #${run.id}: ${run.service} ${run.version} to ${run.environment}${followUp ? ', with follow-up results' : ''}`,
      content: buildDeploymentLog({ run, audit, people, now }),
    };
  }

  async postAnnouncement(run: Run, channel: string): Promise<void> {
    const text = wordEmergencyAnnouncement(run);
    // Only emergency runs are announced; a job naming another run has nothing to say.
    if (text === undefined) return;
    await call('chat.postMessage', () => this.client.chat.postMessage({ channel, text, unfurl_links: false }));
  }

  async postStatsChart(chart: StatsChartJob): Promise<void> {
    const opened = await call('conversations.open', () => this.client.conversations.open({ users: chart.requestedBy }));
    const channel = opened.channel?.id;
    if (!channel) throw new FlightdeckError('slack-failed', 'Slack conversations.open returned no channel.');
    const where = chart.panels.length === 1 ? `${chart.panels[0]!.service} in ${chart.panels[0]!.environment}` : `${chart.panels.length} services and environments`;
    await call('files.uploadV2', () =>
      this.client.filesUploadV2({
        channel_id: channel,
        file: renderStatsChart(chart),
        filename: `deploy-stats-${chart.days}d.png`,
        title: `Deployments per day, last ${chart.days} day${chart.days === 1 ? '' : 's'}: ${where}`,
      }),
    );
  }

  async postJobLog(run: Run, log: JobLogFile): Promise<void> {
    const threadTs = threadOf(run);
    const why = log.requestedBy ? `, asked for by ${log.requestedBy}` : ', which failed';
    await call('files.uploadV2', () =>
      this.client.filesUploadV2({
        channel_id: run.channel,
        thread_ts: threadTs,
        filename: `${log.podName}.log`,
        title: `Log of job ${log.jobName}, pod ${log.podName}, for step ${log.itemTitle} of run #${run.id}${why}`,
        content: log.content,
      }),
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
