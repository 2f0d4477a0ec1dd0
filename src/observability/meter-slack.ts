import { WebClientEvent, type WebClient } from '@slack/web-api';
import type { RunNotifier } from '../queue/notify/run-notifier.js';
import type { FlightdeckMetrics } from './create-metrics.js';

/** The Web API method of a call URL (`…/api/chat.update` → `chat.update`). */
function methodOf(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1) || 'unknown';
}

/** The Slack error code behind an error thrown by a WebClient call (or by our wrapper around one). */
export function slackErrorCode(err: unknown): string {
  for (let current: unknown = err, depth = 0; current && depth < 5; depth++) {
    const data = (current as { data?: { error?: unknown } }).data;
    if (typeof data?.error === 'string') return data.error;
    const code = (current as { code?: unknown }).code;
    if (code === 'slack_webapi_rate_limited_error') return 'ratelimited';
    current = (current as { cause?: unknown }).cause;
  }
  return 'request_failed';
}

/** Counts the 429s `client` receives (it retries them itself after Slack's Retry-After). */
export function meterSlackClient(client: WebClient, metrics: FlightdeckMetrics): void {
  client.on(WebClientEvent.RATE_LIMITED, (_retryAfter: number, request: { url?: string }) => {
    metrics.slackRateLimited.inc({ method: methodOf(request?.url ?? '') });
  });
}

/** A notifier that counts failed Slack calls by method and Slack error code, then rethrows unchanged. */
export function meterNotifier(notifier: RunNotifier, metrics: FlightdeckMetrics): RunNotifier {
  const metered = async <T>(method: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      metrics.slackApiErrors.inc({ method, error: slackErrorCode(err) });
      throw err;
    }
  };
  return {
    post: (run) => metered('chat.postMessage', () => notifier.post(run)),
    findPosted: (run, sinceMs) => metered('conversations.history', () => notifier.findPosted(run, sinceMs)),
    update: (run, ts) => metered('chat.update', () => notifier.update(run, ts)),
    shownDigest: (run) => notifier.shownDigest(run),
    postThread: (run, note) => metered('chat.postMessage', () => notifier.postThread(run, note)),
    postSummary: (run, log) => metered(log ? 'files.uploadV2' : 'chat.postMessage', () => notifier.postSummary(run, log)),
    postLog: (run, audit, now, followUp) => metered('files.uploadV2', () => notifier.postLog(run, audit, now, followUp)),
    postJobLog: (run, log) => metered('files.uploadV2', () => notifier.postJobLog(run, log)),
    postPhaseReminder: (run, phaseId) => metered('chat.postMessage', () => notifier.postPhaseReminder(run, phaseId)),
    postAnnouncement: (run, channel) => metered('chat.postMessage', () => notifier.postAnnouncement(run, channel)),
    postStatsChart: (chart) => metered('files.uploadV2', () => notifier.postStatsChart(chart)),
  };
}
