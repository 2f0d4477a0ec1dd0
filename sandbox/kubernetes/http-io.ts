import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ObjectStore } from './object-store.js';
import { badRequest, notFound } from './status-error.js';

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `GET /pods/{name}/log`: text/plain, `tailLines` honoured like the kubelet. */
export function podLog(store: ObjectStore, logs: Map<string, string[]>, namespace: string, name: string, query: URLSearchParams): string {
  if (!store.get('pods', namespace, name)) throw notFound('pods', name);
  const lines = logs.get(`${namespace}/${name}`) ?? [];
  const tail = query.get('tailLines');
  if (tail !== null && !/^\d+$/.test(tail)) throw badRequest(`tailLines: Invalid value: "${tail}": must be a non-negative integer`);
  const shown = tail === null ? lines : lines.slice(Math.max(0, lines.length - Number(tail)));
  return shown.map((l) => `${l}\n`).join('');
}
