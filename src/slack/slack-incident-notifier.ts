import type { WebClient } from '@slack/web-api';
import type { KnownBlock } from '@slack/types';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import type { IncidentAlert, IncidentNotifier } from '../queue/incidents/incident-notifier.js';
import type { Run } from '../run/core/run-schema.js';
import { toSlackError } from './slack-notifier.js';

/** Action ids of the on-call DM's buttons; the value is `<run id>:<guard id>`. */
export const INCIDENT_ROLLBACK_ACTION = 'incident.rollback';
export const INCIDENT_ACK_ACTION = 'incident.ack';

const ACTION_LINE = {
  rollback: ':rewind: *Rolling back now* — the rollback was requested the moment the guard breached.',
  page: ':pager: *Paging the on-call* — the run is paused until someone rolls back or resumes.',
  notify: ':information_source: No automatic action (notify only).',
} as const;

/** A page from the day-after watch: nothing is paused, a person decides on the rollback. */
const WATCH_PAGE_LINE = ':pager: *Paging the on-call* — the run succeeded and stays live until someone rolls it back (Rollback button in the on-call DM).';

async function call<T>(method: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    throw toSlackError(err, method);
  }
}

/** The alert's text: guard, measured values against the threshold and since when, what happens next. */
export function alertText(run: Run, alert: IncidentAlert): string {
  const verb = alert.inconclusive ? 'is inconclusive' : 'breached';
  const watching = run.watch !== undefined && run.state === 'succeeded';
  const lines = [
    `:rotating_light: Guard *${alert.guardTitle}* ${verb}${watching ? ' after the run succeeded' : ''} on ${run.service} \`${run.version}\` in ${run.environment} (run #${run.id})`,
    alert.detail,
    watching && alert.action === 'page' ? WATCH_PAGE_LINE : ACTION_LINE[alert.action],
    ...(alert.onCall ? [alert.onCall] : []),
  ];
  return lines.join('\n');
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } };
}

/** Posts guard alerts and on-call DMs through the Slack Web API. */
export class SlackIncidentNotifier implements IncidentNotifier {
  constructor(private readonly client: WebClient) {}

  async postAlert(run: Run, alert: IncidentAlert): Promise<string> {
    const text = alertText(run, alert);
    const posted = await call('chat.postMessage', () => this.client.chat.postMessage({ channel: run.channel, text, blocks: [section(text)], unfurl_links: false }));
    if (!posted.ts) throw new FlightdeckError('slack-failed', 'Slack chat.postMessage returned no message ts.');
    if (run.messageTs) {
      await call('chat.postMessage', () => this.client.chat.postMessage({ channel: run.channel, thread_ts: run.messageTs, text, unfurl_links: false }));
    }
    return posted.ts;
  }

  async updateAlert(run: Run, alertTs: string, alert: IncidentAlert): Promise<void> {
    const text = alertText(run, alert);
    await call('chat.update', () => this.client.chat.update({ channel: run.channel, ts: alertTs, text, blocks: [section(text)] }));
  }

  async findUserByEmail(email: string): Promise<string | undefined> {
    try {
      const found = await this.client.users.lookupByEmail({ email });
      return found.user?.id;
    } catch (err) {
      const slackError = (err as { data?: { error?: string } }).data?.error;
      if (slackError === 'users_not_found') return undefined;
      throw toSlackError(err, 'users.lookupByEmail');
    }
  }

  async sendOnCallDm(userId: string, run: Run, alert: IncidentAlert): Promise<void> {
    const opened = await call('conversations.open', () => this.client.conversations.open({ users: userId }));
    const channel = opened.channel?.id;
    if (!channel) throw new FlightdeckError('slack-failed', 'Slack conversations.open returned no channel.');
    const value = `${run.id}:${alert.guardId}`;
    const text = `You are on call: ${alertText(run, alert)}`;
    const blocks: KnownBlock[] = [
      section(text),
      {
        type: 'actions',
        block_id: `incident-${run.id}-${alert.guardId}`,
        elements: [
          { type: 'button', action_id: INCIDENT_ROLLBACK_ACTION, style: 'danger', text: { type: 'plain_text', text: 'Rollback' }, value },
          { type: 'button', action_id: INCIDENT_ACK_ACTION, text: { type: 'plain_text', text: 'Acknowledge' }, value },
        ],
      },
    ];
    await call('chat.postMessage', () => this.client.chat.postMessage({ channel, text, blocks, unfurl_links: false }));
  }

  async postThreadNote(run: Run, text: string): Promise<void> {
    await call('chat.postMessage', () =>
      this.client.chat.postMessage({ channel: run.channel, text, ...(run.messageTs ? { thread_ts: run.messageTs } : {}), unfurl_links: false }),
    );
  }
}
