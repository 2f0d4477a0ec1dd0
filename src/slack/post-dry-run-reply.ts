import type { FetchFunction } from '@slack/web-api';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import { toUserText } from '../errors/user-text.js';
import type { DryRunReplier } from '../queue/dry-run/dry-run-replier.js';
import { renderDryRun } from './views/render-dry-run.js';

/**
 * Answers a dry run through the command's response URL: ephemeral (only the person who asked sees it), no
 * scope needed, valid 30 minutes and 5 posts, which a dry run's one answer fits. `fetch` is the outbound
 * transport (proxies honoured).
 */
export function createDryRunReplier(fetch: FetchFunction = globalThis.fetch): DryRunReplier {
  return {
    async reply(responseUrl, outcome) {
      const body = 'plan' in outcome
        ? { response_type: 'ephemeral', ...renderDryRun(outcome.plan) }
        : { response_type: 'ephemeral', text: `:warning: The dry run could not be worked out; nothing was changed.\n${toUserText(outcome.error)}` };
      const res = await fetch(responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) {
        throw new FlightdeckError('slack-rejected', `Slack refused the dry run's answer at its response URL (HTTP ${res.status}: ${(await res.text()).slice(0, 200)}).`);
      }
    },
  };
}
