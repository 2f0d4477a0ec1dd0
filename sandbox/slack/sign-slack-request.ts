import { createHmac } from 'node:crypto';

/** The two headers Slack adds to every request it sends to an app. */
export interface SlackSignatureHeaders {
  'x-slack-request-timestamp': string;
  'x-slack-signature': string;
}

/**
 * Signs `body` (the exact bytes that will be sent) as Slack's v0 scheme does:
 * `v0=` + hex HMAC-SHA256(signingSecret, `v0:<timestamp>:<body>`). `timestampSeconds` defaults to now;
 * pass an old one to build a stale request.
 */
export function signSlackRequest(
  signingSecret: string,
  body: string,
  timestampSeconds: number = Math.floor(Date.now() / 1000),
): SlackSignatureHeaders {
  const timestamp = String(timestampSeconds);
  const digest = createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': `v0=${digest}` };
}
