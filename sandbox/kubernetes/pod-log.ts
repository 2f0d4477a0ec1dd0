import type { ServerResponse } from 'node:http';
import type { KObject, ObjectStore } from './object-store.js';
import { StatusError, badRequest, notFound } from './status-error.js';

/** What a pod's container writes: `lines` spread evenly from `startedAt` to `endsAt` (when it ends; Infinity: never). */
export interface PodLog {
  lines: string[];
  startedAt: number;
  endsAt: number;
}

interface LogLine {
  at: number;
  text: string;
}

/** When each line was written: evenly over the run, so a running pod has written only the first ones. */
function linesOf(log: PodLog | undefined): LogLine[] {
  if (!log) return [];
  const span = Number.isFinite(log.endsAt) ? Math.max(0, log.endsAt - log.startedAt) : 0;
  return log.lines.map((text, i) => ({ at: log.startedAt + Math.floor(((i + 1) * span) / (log.lines.length + 1)), text }));
}

/** The kubelet's `timestamps=true` prefix: RFC 3339 with nanoseconds. */
const stamp = (at: number) => new Date(at).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');

const invalidOptions = (name: string, field: string, message: string) =>
  new StatusError(422, 'Invalid', `PodLogOptions "${name}" is invalid: ${field}: ${message}`, { name, kind: 'PodLogOptions', causes: [{ reason: 'FieldValueInvalid', message, field }] });

/**
 * The checks kube-apiserver (LogLocation, ValidatePodLogOptions) and the kubelet (validateContainerLogStatus)
 * make before a log is read, in their words; returns the container's log lines `now`, filtered as asked.
 */
function readable(store: ObjectStore, logs: Map<string, PodLog>, namespace: string, name: string, query: URLSearchParams, now: number): { pod: KObject; lines: LogLine[]; ended: boolean } {
  const pod = store.get('pods', namespace, name);
  if (!pod) throw notFound('pods', name);
  const tail = query.get('tailLines');
  if (tail !== null && !/^-?\d+$/.test(tail)) throw badRequest(`tailLines: Invalid value: "${tail}": must be a non-negative integer`);
  if (tail !== null && Number(tail) < 0) throw invalidOptions(name, 'tailLines', `Invalid value: ${tail}: must be greater than or equal to 0`);
  const sinceTime = query.get('sinceTime');
  const sinceSeconds = query.get('sinceSeconds');
  if (sinceTime !== null && sinceSeconds !== null) throw invalidOptions(name, '', 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified');
  if (sinceTime !== null && Number.isNaN(Date.parse(sinceTime))) throw badRequest(`sinceTime: Invalid value: "${sinceTime}": must be RFC3339`);
  const containers: string[] = (pod.spec?.containers ?? []).map((c: KObject) => String(c.name));
  let container = query.get('container') ?? '';
  if (container === '') {
    if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
    if (containers.length > 1) throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`);
    container = containers[0]!;
  } else if (!containers.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  // A pod no node took has no kubelet to ask: the API server answers with an empty log.
  if (!pod.spec?.nodeName) return { pod, lines: [], ended: false };
  const status = (pod.status?.containerStatuses ?? []).find((c: KObject) => c.name === container);
  const waiting = status?.state?.waiting;
  if (waiting) throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ${waiting.reason}`);
  const log = logs.get(`${namespace}/${name}`);
  const since = sinceTime !== null ? Date.parse(sinceTime) : sinceSeconds !== null ? now - Number(sinceSeconds) * 1000 : Number.NEGATIVE_INFINITY;
  let lines = linesOf(log).filter((line) => line.at <= now && line.at >= since);
  if (tail !== null) lines = lines.slice(Math.max(0, lines.length - Number(tail)));
  return { pod, lines, ended: log === undefined || now >= log.endsAt };
}

function render(lines: readonly LogLine[], query: URLSearchParams): string {
  const timestamps = query.get('timestamps') === 'true';
  return lines.map((line) => `${timestamps ? `${stamp(line.at)} ` : ''}${line.text}\n`).join('');
}

function limited(text: string, query: URLSearchParams): string {
  const limit = query.get('limitBytes');
  if (limit === null) return text;
  if (!/^\d+$/.test(limit) || Number(limit) < 1) throw badRequest(`limitBytes: Invalid value: "${limit}": must be greater than 0`);
  return Buffer.from(text).subarray(0, Number(limit)).toString('utf8');
}

/**
 * `GET /pods/{name}/log`: text/plain. `tailLines`, `sinceTime`, `sinceSeconds`, `timestamps` and `limitBytes`
 * as the kubelet applies them; with `follow=true` the answer stays open and carries each line as the container
 * writes it, until the container ends, the pod goes or the client hangs up.
 */
export function servePodLog(res: ServerResponse, store: ObjectStore, logs: Map<string, PodLog>, namespace: string, name: string, query: URLSearchParams): void {
  const first = readable(store, logs, namespace, name, query, Date.now());
  if (query.get('follow') !== 'true') {
    const text = limited(render(first.lines, query), query);
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  let sent = first.lines.length;
  res.write(render(first.lines, query));
  if (first.ended) {
    res.end();
    return;
  }
  const unbounded = new URLSearchParams(query);
  unbounded.delete('tailLines');
  const skipped = readable(store, logs, namespace, name, unbounded, Date.now()).lines.length - sent;
  const timer = setInterval(() => {
    let next: ReturnType<typeof readable>;
    try {
      next = readable(store, logs, namespace, name, unbounded, Date.now());
    } catch {
      clearInterval(timer);
      res.end();
      return;
    }
    const fresh = next.lines.slice(sent + skipped);
    sent += fresh.length;
    if (fresh.length > 0) res.write(render(fresh, query));
    if (next.ended) {
      clearInterval(timer);
      res.end();
    }
  }, 25);
  res.once('close', () => clearInterval(timer));
}
