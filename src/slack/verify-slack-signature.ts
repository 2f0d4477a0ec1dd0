import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a request's timestamp may be from our clock, either way: Slack's guide says five minutes. */
export const SIGNATURE_WINDOW_SECONDS = 300;

export interface SignedRequest {
  /** The `X-Slack-Request-Timestamp` header as received (unix seconds). */
  timestamp: string | undefined;
  /** The `X-Slack-Signature` header as received (`v0=<hex>`). */
  signature: string | undefined;
  /** The body bytes exactly as received. */
  rawBody: Buffer;
}

/**
 * What the headers alone tell: both present, the timestamp unix seconds within the window. Checked before a
 * body is read, so a request that cannot be genuine costs no buffering.
 *
 * @returns why the request is not believed, or undefined when the body's signature is worth checking.
 */
export function checkSignatureHeaders(timestamp: string | undefined, signature: string | undefined, nowSeconds: number): string | undefined {
  if (timestamp === undefined || signature === undefined) return 'signature or timestamp header missing';
  if (!/^\d{1,12}$/.test(timestamp)) return 'timestamp is not unix seconds';
  if (Math.abs(nowSeconds - Number(timestamp)) > SIGNATURE_WINDOW_SECONDS) return 'timestamp more than 5 minutes from now';
  return undefined;
}

/**
 * Slack's v0 request signature: `v0=` + hex HMAC-SHA256(signing secret, `v0:<timestamp>:<raw body>`),
 * compared in constant time. Unlike Bolt 5.1, which refuses only timestamps more than five minutes old, a
 * timestamp more than five minutes ahead of `nowSeconds` is refused too, as Slack's verification guide does
 * (`abs(now - timestamp) > 300`): a signed request dated in the future would otherwise stay replayable until
 * five minutes after that date.
 *
 * @returns why the request is not believed, or undefined when it is.
 */
export function verifySlackSignature(request: SignedRequest, signingSecret: string, nowSeconds: number): string | undefined {
  const byHeaders = checkSignatureHeaders(request.timestamp, request.signature, nowSeconds);
  if (byHeaders !== undefined || request.timestamp === undefined || request.signature === undefined) return byHeaders;
  const expected = Buffer.from(
    `v0=${createHmac('sha256', signingSecret).update(`v0:${request.timestamp}:`).update(request.rawBody).digest('hex')}`,
  );
  const given = Buffer.from(request.signature);
  // timingSafeEqual throws on a length difference; the length of a well-formed signature is public anyway.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'signature mismatch';
  return undefined;
}
