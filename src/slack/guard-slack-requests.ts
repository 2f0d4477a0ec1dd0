import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from '../observability/create-logger.js';
import { checkSlackEnvelope, isSslCheck, slackBodyOf } from './check-slack-envelope.js';
import { checkSignatureHeaders, verifySlackSignature } from './verify-slack-signature.js';

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/**
 * The largest body read. Slack's own requests are far below it (a view submission of a full modal is tens of
 * KiB); Bolt's 4 MB would let anyone make every web pod buffer 4 MB per connection.
 */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** An unsigned request is read only if it can be an `ssl_check`, which is a few dozen bytes. */
const SSL_CHECK_LIMIT_BYTES = 1024;
/** All of an ssl_check that is handed on, as Bolt strips it when it checks signatures itself. */
const SSL_CHECK_BODY = 'ssl_check=1';

export interface SlackRequestGuardOptions {
  signingSecret: string;
  /** The path Slack posts to (`/slack/events`); every other request goes to `next` untouched. */
  path: string;
  logger: Logger;
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
}

/** Bolt's receiver reuses a body already read into `rawBody` instead of reading the (drained) stream again. */
type BufferedRequest = IncomingMessage & { rawBody?: Buffer };

/** Reads the body, or resolves undefined as soon as it is (or says it will be) longer than `limit`. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      resolve(undefined);
    };
    req.on('data', onData);
    req.on('end', () => resolve(size <= limit ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, text?: string): void {
  res.writeHead(status, text === undefined ? {} : { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

/**
 * Wraps the request listener of Bolt's HTTPReceiver so a POST to `path` is checked before Bolt sees it.
 * The headers come first: without both signature headers, or with a timestamp outside the symmetric
 * five-minute window, the request is answered 401 (empty, as Bolt answers a bad signature) before a byte of
 * its body is read — except a tiny unsigned form body, which may be Slack's `ssl_check`. The body is then
 * read up to BODY_LIMIT_BYTES (413 as soon as it is known to be longer), the signature checked (401), then
 * the envelope (400 with a short reason). Only a request that passes reaches `next`, with the bytes already
 * read (an ssl_check reduced to the probe), so Bolt's ssl_check, url_verification, ack and retry handling stay
 * as they are. This is the only check of the signature: Bolt's is turned off, which saved each request a second
 * parse of its whole form and a second HMAC.
 */
export function guardSlackRequests(next: RequestListener, options: SlackRequestGuardOptions): RequestListener {
  const now = options.now ?? Date.now;
  const refuse = (res: ServerResponse, status: 401 | 413, reason: string) => {
    options.logger.warn({ reason, limit: BODY_LIMIT_BYTES }, status === 413 ? 'Slack request body over the limit refused' : 'Slack request with a bad signature refused');
    // The body may still be arriving: close the connection rather than read it to keep it alive.
    res.setHeader('connection', 'close');
    answer(res, status);
  };
  const check = async (req: BufferedRequest, res: ServerResponse): Promise<void> => {
    const header = (name: string) => {
      const value = req.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    const contentType = req.headers['content-type'];
    const timestamp = header('x-slack-request-timestamp');
    const signature = header('x-slack-signature');
    const byHeaders = checkSignatureHeaders(timestamp, signature, Math.floor(now() / 1000));
    const maybeSslCheck = byHeaders !== undefined && timestamp === undefined && signature === undefined && contentType === FORM_CONTENT_TYPE;
    if (byHeaders !== undefined && !maybeSslCheck) return refuse(res, 401, byHeaders);
    const rawBody = await readBody(req, maybeSslCheck ? SSL_CHECK_LIMIT_BYTES : BODY_LIMIT_BYTES);
    if (rawBody === undefined) return refuse(res, maybeSslCheck ? 401 : 413, maybeSslCheck ? 'unsigned body longer than an ssl_check' : 'body over the limit');
    const body = slackBodyOf(rawBody.toString(), contentType);
    const sslCheck = isSslCheck(body);
    // Bolt's own check of the signature is off (see guardedHttpReceiver), and with it its stripping of whatever an
    // unsigned ssl_check carries besides the probe: only the probe goes on, so nothing unsigned is ever dispatched.
    req.rawBody = sslCheck ? Buffer.from(SSL_CHECK_BODY) : rawBody;
    if (!sslCheck) {
      const untrusted = verifySlackSignature({ timestamp, signature, rawBody }, options.signingSecret, Math.floor(now() / 1000));
      if (untrusted) return refuse(res, 401, untrusted);
      const malformed = checkSlackEnvelope(body);
      if (malformed) {
        options.logger.warn({ reason: malformed }, 'malformed Slack request refused');
        answer(res, 400, `flightdeck could not read this request: ${malformed}.`);
        return;
      }
    }
    next(req, res);
  };
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method?.toUpperCase() !== 'POST' || path !== options.path) {
      next(req, res);
      return;
    }
    check(req, res).catch((err: unknown) => {
      options.logger.warn({ err }, 'Slack request failed before Bolt could answer it');
      if (!res.headersSent) answer(res, 500);
      else res.destroy();
    });
  };
}
