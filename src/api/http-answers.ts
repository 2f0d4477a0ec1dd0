import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodyIssue } from './deploy-body-schema.js';

/** The largest request body read: a deploy request is a few hundred bytes. */
const BODY_LIMIT_BYTES = 16 * 1024;

/** What every refusal of the API carries (docs/api/openapi.yaml, `Error`). */
export interface ApiError {
  /** A stable code: flightdeck's error code (`forbidden`, `target-locked`, …) or the API's own (`unauthorized`, `invalid-body`, …). */
  error: string;
  message: string;
  remedy?: string;
  issues?: BodyIssue[];
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** A refusal; the connection is closed when the request's body was left unread, so nothing is read to keep it alive. */
export function sendError(res: ServerResponse, status: number, body: ApiError, headers: Record<string, string> = {}, unread = false): void {
  sendJson(res, status, body, unread ? { ...headers, connection: 'close' } : headers);
}

/** The body as text, or `too-large` as soon as it is (or says it will be) longer than the limit. */
export function readBody(req: IncomingMessage): Promise<string | 'too-large'> {
  if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT_BYTES) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) {
        req.off('data', onData);
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(size > BODY_LIMIT_BYTES ? 'too-large' : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Catalogue text is Slack mrkdwn: a mention `<@U123>` or `<#C123>` reads as the bare id in a pipeline's log. */
export function plainText(mrkdwn: string): string {
  return mrkdwn.replace(/<([@#])([A-Z0-9]+)(\|[^>]*)?>/g, (_all, sigil: string, id: string) => (sigil === '#' ? `#${id}` : id));
}
