import type { ServerResponse } from 'node:http';
import type { ApiTarget } from './api-path.js';
import type { KObject, ObjectStore } from './object-store.js';
import { fieldMatcher, labelMatcher } from './selectors.js';
import { StatusError } from './status-error.js';

/** An open watch stream the emulator can end, politely or abruptly. */
export interface OpenWatch {
  res: ServerResponse;
  stop: () => void;
}

/** A watch stream that started (200, headers) and then stays silent until the client or the emulator ends it. */
export function openSilentWatch(res: ServerResponse, onEnd: (w: OpenWatch) => void): OpenWatch {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
  const watch: OpenWatch = { res, stop: () => {} };
  res.on('close', () => onEnd(watch));
  return watch;
}

/**
 * Streams watch events as NDJSON. A too-old resourceVersion gets a 200 with one ERROR event carrying the
 * 410 Expired Status, then the stream ends, which is what informers and kubectl expect. `render` turns each
 * ADDED, MODIFIED or DELETED object into what the client asked for (a Table row for `as=Table`); ERROR
 * Statuses and bookmarks go out as they are.
 */
export function startWatch(
  store: ObjectStore,
  req: ApiTarget & { query: URLSearchParams },
  res: ServerResponse,
  onEnd: (w: OpenWatch) => void,
  render: (object: KObject) => unknown = (o) => o,
): OpenWatch {
  const byLabel = labelMatcher(req.query.get('labelSelector') ?? undefined);
  let byField = fieldMatcher(req.resource, req.query.get('fieldSelector') ?? undefined);
  if (req.name !== undefined) {
    const only = req.name;
    const f = byField;
    byField = (o) => o.metadata?.name === only && f(o);
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
  const send = (type: string, object: unknown) => {
    if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  let unsubscribe = () => {};
  let timer: NodeJS.Timeout | undefined;
  const watch: OpenWatch = {
    res,
    stop: () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    },
  };
  res.on('close', () => {
    watch.stop();
    onEnd(watch);
  });
  try {
    unsubscribe = store.watch(
      { resource: req.resource, namespace: req.namespace, matches: (o) => byLabel(o) && byField(o), send: (type, o) => send(type, render(o)) },
      req.query.get('resourceVersion') ?? undefined,
    );
  } catch (err) {
    if (!(err instanceof StatusError)) throw err;
    send('ERROR', err.status);
    res.end();
    return watch;
  }
  // WatchList clients (kubectl with client-go's WatchListClient) wait for this bookmark after the initial ADDEDs.
  if (req.query.get('sendInitialEvents') === 'true') {
    send('BOOKMARK', {
      kind: req.type.kind,
      apiVersion: req.type.group === '' ? req.type.version : `${req.type.group}/${req.type.version}`,
      metadata: { resourceVersion: String(store.currentRv), annotations: { 'k8s.io/initial-events-end': 'true' } },
    });
  }
  const timeoutSeconds = Number(req.query.get('timeoutSeconds') ?? 0);
  if (timeoutSeconds > 0) timer = setTimeout(() => res.end(), timeoutSeconds * 1000);
  return watch;
}
