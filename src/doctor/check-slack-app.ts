import { type FetchFunction, LogLevel, WebClient } from '@slack/web-api';
import { type DoctorResult, failed, messageOf, ok } from './doctor-result.js';
import { BOT_SCOPES } from '../slack/build-manifest.js';

export interface SlackAppCheckOptions {
  apiUrl: string;
  botToken: string;
  /** Socket Mode's app-level token, when flightdeck runs in Socket Mode. */
  appToken?: string | undefined;
  timeoutMs: number;
  /** The transport serve uses (createProxyFetch: HTTPS_PROXY, NO_PROXY); default Node's fetch. */
  fetch?: FetchFunction;
}

const REINSTALL = 'paste the output of `flightdeck manifest` under App Manifest in the app\'s settings at https://api.slack.com/apps, save, and reinstall the app';

/**
 * The bot token works (`auth.test`) and Slack granted it every scope the manifest asks for (the
 * `x-oauth-scopes` header, which the WebClient puts in `response_metadata.scopes`); in Socket Mode, the
 * app-level token opens a connection URL too (`apps.connections.open`, which does not connect). Never rejects.
 */
export async function checkSlackApp(options: SlackAppCheckOptions): Promise<DoctorResult[]> {
  // Every failure is reported on the check's line; the client's own warnings would only repeat it.
  const client = (token: string) => new WebClient(token, { slackApiUrl: options.apiUrl, retryConfig: { retries: 0 }, timeout: options.timeoutMs, logLevel: LogLevel.ERROR, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const results: DoctorResult[] = [];
  try {
    const answer = await client(options.botToken).auth.test();
    const granted = new Set(answer.response_metadata?.scopes ?? []);
    const missing = BOT_SCOPES.filter((scope) => !granted.has(scope));
    const who = `bot ${String(answer.user ?? answer.user_id ?? '?')} in workspace ${String(answer.team ?? answer.team_id ?? '?')}`;
    results.push(
      missing.length === 0
        ? ok('slack', `${who}, every scope the manifest asks for`)
        : failed('slack', `${who}: the token lacks ${missing.join(', ')}`, REINSTALL),
    );
  } catch (err) {
    results.push(failed('slack', `auth.test failed: ${slackError(err)}`, 'set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…) of the installed app, and HTTPS_PROXY (with NO_PROXY) when this host reaches Slack through a proxy'));
  }
  if (options.appToken !== undefined) {
    try {
      await client(options.appToken).apps.connections.open();
      results.push(ok('slack socket mode', 'the app-level token opens a Socket Mode connection'));
    } catch (err) {
      results.push(failed('slack socket mode', `apps.connections.open failed: ${slackError(err)}`, 'enable Socket Mode in the app and set SLACK_APP_TOKEN to an app-level token (xapp-…) with connections:write'));
    }
  }
  return results;
}

/** Slack's error code when it answered, else the transport's message. */
function slackError(err: unknown): string {
  const data = (err as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : messageOf(err);
}
