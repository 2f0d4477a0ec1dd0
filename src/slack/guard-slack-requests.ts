import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from '../observability/create-logger.js';
import { checkSlackEnvelope, isSslCheck } from './check-slack-envelope.js';
import { verifySlackSignature } from './verify-slack-signature.js';

/** Bolt's own limit (4 MB); a larger body is answered 413 as Bolt would. */
const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

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

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= BODY_LIMIT_BYTES ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, text?: string): void {
  res.writeHead(status, text === undefined ? {} : { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

/**
 * Wraps the request listener of Bolt's HTTPReceiver so a POST to `path` is checked before Bolt sees it:
 * the signature with a symmetric five-minute window (401, empty body, as Bolt answers a bad signature),
 * then the envelope (400 with a short reason). Only a request that passes reaches `next`, with the bytes
 * already read, so Bolt's ssl_check, url_verification, ack and retry handling stay as they are. Bolt
 * verifies the signature again; that costs one HMAC and keeps it safe should this guard ever be bypassed.
 */
export function guardSlackRequests(next: RequestListener, options: SlackRequestGuardOptions): RequestListener {
  const now = options.now ?? Date.now;
  const check = async (req: BufferedRequest, res: ServerResponse): Promise<void> => {
    const rawBody = await readBody(req);
    if (rawBody === undefined) {
      options.logger.warn({ limit: BODY_LIMIT_BYTES }, 'Slack request body over the limit refused');
      answer(res, 413);
      return;
    }
    req.rawBody = rawBody;
    const text = rawBody.toString();
    const contentType = req.headers['content-type'];
    if (!isSslCheck(text, contentType)) {
      const header = (name: string) => {
        const value = req.headers[name];
        return typeof value === 'string' ? value : undefined;
      };
      const untrusted = verifySlackSignature(
        { timestamp: header('x-slack-request-timestamp'), signature: header('x-slack-signature'), rawBody },
        options.signingSecret,
        Math.floor(now() / 1000),
      );
      if (untrusted) {
        options.logger.warn({ reason: untrusted }, 'Slack request with a bad signature refused');
        answer(res, 401);
        return;
      }
      const malformed = checkSlackEnvelope(text, contentType);
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
