import type { RespondArguments } from '@slack/bolt';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import type { PostJson } from '../net/create-outbound-transport.js';

/** Answers the person behind one request, through its response URL. */
export type Respond = (message: RespondArguments) => Promise<void>;

/** The {@link Respond} of a request with `responseUrl`; `undefined` when it came without one (a Home tab click). */
export type RespondTo = (responseUrl: string | undefined) => Respond;

/**
 * Bolt's own `respond` sends through the WHATWG `fetch`, where a web process answering refused clicks spent a sixth
 * of its busy time (BENCHMARKS.md, section 5); this one sends through the outbound transport's `postJson` (same
 * proxies, same connections). Slack answers a refused post with a status and a word (`expired_url`, `used_url`):
 * a 5xx or 429 is worth a retry, anything else is not.
 */
export function createRespondTo(postJson: PostJson): RespondTo {
  return (responseUrl) => async (message) => {
    if (responseUrl === undefined) throw new FlightdeckError('slack-rejected', 'This request came without a response URL to answer through.');
    const { status, text } = await postJson(responseUrl, message).catch((err: unknown) => {
      throw new FlightdeckError('slack-failed', `The answer could not be sent to its response URL: ${(err as Error).message}`, { cause: err });
    });
    if (status >= 200 && status < 300) return;
    const transient = status >= 500 || status === 429;
    throw new FlightdeckError(transient ? 'slack-failed' : 'slack-rejected', `Slack refused the answer at its response URL (HTTP ${status}: ${text.slice(0, 200)}).`);
  };
}
