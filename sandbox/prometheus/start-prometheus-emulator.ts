import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type PrometheusErrorType, type QueryResult, ERROR_STATUS, renderQueryResult } from './query-result.js';
import { type RangeSeries, answerRangeQuery } from './range-query.js';
import { parseTime } from './parse-time.js';

export interface PrometheusEmulatorOptions {
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
}

/** One `/api/v1/query` or `/api/v1/query_range` request as received. */
export interface RecordedQuery {
  method: string;
  query: string | undefined;
  time: string | undefined;
  /** A range query's parameters as sent. */
  range?: { start: string | undefined; end: string | undefined; step: string | undefined };
}

export interface PrometheusEmulator {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  /** Every instant query received, oldest first. */
  readonly queries: readonly RecordedQuery[];
  /** Sets what `query` (matched exactly, trimmed) answers from now on; unset queries answer an empty vector. */
  setQueryResult(query: string, result: QueryResult): void;
  /** Sets the series a range query of `query` evaluates (see range-query.ts); unset queries answer an empty matrix. */
  setRangeSeries(query: string, series: readonly RangeSeries[]): void;
  /** Holds every answer back this long (for timeout tests); default 0. */
  setResponseDelay(ms: number): void;
  /** Forgets all results, recorded queries and the delay. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * A loopback stand-in for Prometheus' query API: instant queries (`GET|POST /api/v1/query`, POST form-encoded)
 * and range queries (`/api/v1/query_range`, range-query.ts).
 * Answers like Prometheus 2.x: string sample values, `NaN`/`+Inf`, `[]` for no match, error envelopes
 * with their HTTP status (400 bad_data for a missing query or bad `time`), 405 for other methods and a
 * plain-text 404 for other paths.
 */
export async function startPrometheusEmulator(options: PrometheusEmulatorOptions = {}): Promise<PrometheusEmulator> {
  const results = new Map<string, QueryResult>();
  const ranges = new Map<string, readonly RangeSeries[]>();
  const queries: RecordedQuery[] = [];
  let delayMs = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/api/v1/query' && url.pathname !== '/api/v1/query_range') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, POST', 'content-type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n');
      return;
    }
    const params = new URLSearchParams(url.search);
    if (req.method === 'POST' && (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      for (const [key, value] of new URLSearchParams(await readBody(req))) params.append(key, value);
    }
    const query = params.get('query') ?? undefined;
    if (url.pathname === '/api/v1/query_range') {
      queries.push({ method: req.method, query, time: undefined, range: { start: params.get('start') ?? undefined, end: params.get('end') ?? undefined, step: params.get('step') ?? undefined } });
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const { status, body } = answerRangeQuery(params, (q) => ranges.get(q.trim()) ?? []);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    const timeParam = params.get('time') ?? undefined;
    queries.push({ method: req.method, query, time: timeParam });
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));

    if (query === undefined || query.trim() === '') {
      return sendError(res, 'bad_data', 'invalid parameter "query": 1:1: parse error: no expression found in input');
    }
    const time = timeParam === undefined ? Date.now() / 1000 : parseTime(timeParam);
    if (time === undefined) return sendError(res, 'bad_data', `invalid parameter "time": cannot parse "${timeParam}" to a valid timestamp`);
    const { status, body } = renderQueryResult(results.has(query.trim()) ? (results.get(query.trim()) as QueryResult) : null, time);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 'internal', String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    queries,
    setQueryResult(query, result) {
      results.set(query.trim(), result);
    },
    setRangeSeries(query, series) {
      ranges.set(query.trim(), series);
    },
    setResponseDelay(ms) {
      delayMs = ms;
    },
    reset() {
      results.clear();
      ranges.clear();
      queries.length = 0;
      delayMs = 0;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function sendError(res: ServerResponse, errorType: PrometheusErrorType, error: string): void {
  res.writeHead(ERROR_STATUS[errorType], { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', errorType, error }));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
