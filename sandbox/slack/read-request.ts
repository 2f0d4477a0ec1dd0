import type { IncomingMessage } from 'node:http';

const JSON_STRING_FIELDS = ['blocks', 'attachments', 'metadata', 'view'];

/** Reads the whole request body as bytes. */
export async function readRawBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Reads the whole request body as UTF-8. */
export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readRawBody(req)).toString('utf8');
}

/**
 * The file bytes of a POST to an upload URL: the first file part of a multipart form (what
 * @slack/web-api's filesUploadV2 sends), else the body as it is. Undefined for a form without a file.
 */
export async function readUploadedBytes(contentType: string | undefined, body: Buffer): Promise<Buffer | undefined> {
  if (!(contentType ?? '').toLowerCase().startsWith('multipart/form-data')) return body;
  const form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType ?? '' } }).formData();
  for (const [, value] of form) if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  return undefined;
}

/**
 * Turns a Web API body into fields: JSON when the content type says so, form-encoded otherwise (what
 * @slack/web-api sends). Returns undefined for a JSON body that does not parse to an object.
 */
export function parseArgs(contentType: string | undefined, body: string): Record<string, unknown> | undefined {
  if ((contentType ?? '').toLowerCase().startsWith('application/json')) {
    if (body.trim() === '') return {};
    try {
      const parsed: unknown = JSON.parse(body);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }
  return Object.fromEntries(new URLSearchParams(body));
}

/** Copy of `args` with JSON-string fields parsed, for test inspection; unparseable ones stay strings. */
export function inspectableArgs(args: Record<string, unknown>): Record<string, unknown> {
  const out = { ...args };
  for (const field of JSON_STRING_FIELDS) {
    const value = out[field];
    if (typeof value !== 'string') continue;
    try {
      out[field] = JSON.parse(value);
    } catch {
      // Left as sent so a test can see exactly what was malformed.
    }
  }
  return out;
}

/** Token from `Authorization: Bearer`, else the legacy `token` body field. */
export function readToken(req: IncomingMessage, args: Record<string, unknown> | undefined): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    return match?.[1];
  }
  return typeof args?.token === 'string' ? args.token : undefined;
}
