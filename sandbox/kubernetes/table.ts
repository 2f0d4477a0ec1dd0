import type { KObject } from './object-store.js';
import type { ResourceType } from './resource-types.js';
import { renderMatchLabels } from './selectors.js';

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  format?: string;
  description: string;
  priority: number;
  cell: (o: KObject, now: number) => string | number;
}

/** The apimachinery HumanDuration wording kubectl's AGE column uses. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 192) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  return `${Math.floor(h / 24)}d`;
}

const num = (v: unknown) => Number(v ?? 0);
const age = (o: KObject, now: number) => humanDuration(now - Date.parse(o.metadata.creationTimestamp));
const containers = (o: KObject) => (o.spec?.template?.spec?.containers ?? []).map((c: KObject) => c.name).join(',');
const images = (o: KObject) => (o.spec?.template?.spec?.containers ?? []).map((c: KObject) => c.image).join(',');
const selector = (o: KObject) => renderMatchLabels(o.spec?.selector?.matchLabels ?? o.spec?.selector);

const name: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0, cell: (o) => o.metadata.name };
const ageCol: Column = { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0, cell: age };
const col = (n: string, type: Column['type'], priority: number, cell: Column['cell']): Column => ({ name: n, type, description: n, priority, cell });
const podTemplateCols = [col('Containers', 'string', 1, containers), col('Images', 'string', 1, images), col('Selector', 'string', 1, selector)];

const COLUMNS: Record<string, Column[]> = {
  deployments: [
    name,
    col('Ready', 'string', 0, (o) => `${num(o.status?.readyReplicas)}/${num(o.spec?.replicas)}`),
    col('Up-to-date', 'integer', 0, (o) => num(o.status?.updatedReplicas)),
    col('Available', 'integer', 0, (o) => num(o.status?.availableReplicas)),
    ageCol,
    ...podTemplateCols,
  ],
  replicasets: [
    name,
    col('Desired', 'integer', 0, (o) => num(o.spec?.replicas)),
    col('Current', 'integer', 0, (o) => num(o.status?.replicas)),
    col('Ready', 'integer', 0, (o) => num(o.status?.readyReplicas)),
    ageCol,
    ...podTemplateCols,
  ],
  pods: [
    name,
    col('Ready', 'string', 0, (o) => {
      const cs: KObject[] = o.status?.containerStatuses ?? [];
      return `${cs.filter((c) => c.ready).length}/${cs.length}`;
    }),
    col('Status', 'string', 0, (o) => {
      const reason = o.status?.containerStatuses?.[0]?.state?.terminated?.reason;
      return reason ?? o.status?.phase ?? 'Unknown';
    }),
    col('Restarts', 'string', 0, () => '0'),
    ageCol,
    col('IP', 'string', 1, (o) => o.status?.podIP ?? '<none>'),
    col('Node', 'string', 1, (o) => o.spec?.nodeName ?? '<none>'),
  ],
  services: [
    name,
    col('Type', 'string', 0, (o) => o.spec?.type ?? 'ClusterIP'),
    col('Cluster-IP', 'string', 0, (o) => o.spec?.clusterIP ?? '<none>'),
    col('External-IP', 'string', 0, () => '<none>'),
    col('Port(s)', 'string', 0, (o) => (o.spec?.ports ?? []).map((p: KObject) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',') || '<none>'),
    ageCol,
    col('Selector', 'string', 1, (o) => renderMatchLabels(o.spec?.selector) || '<none>'),
  ],
  jobs: [
    name,
    col('Completions', 'string', 0, (o) => `${num(o.status?.succeeded)}/${num(o.spec?.completions ?? 1)}`),
    col('Duration', 'string', 0, (o, now) => {
      if (!o.status?.startTime) return '';
      const end = o.status.completionTime ? Date.parse(o.status.completionTime) : now;
      return humanDuration(end - Date.parse(o.status.startTime));
    }),
    ageCol,
    ...podTemplateCols,
  ],
  namespaces: [name, col('Status', 'string', 0, (o) => o.status?.phase ?? 'Active'), ageCol],
  events: [
    col('Last Seen', 'string', 0, (o, now) => humanDuration(now - Date.parse(o.lastTimestamp ?? o.metadata.creationTimestamp))),
    col('Type', 'string', 0, (o) => o.type ?? 'Normal'),
    col('Reason', 'string', 0, (o) => o.reason ?? ''),
    col('Object', 'string', 0, (o) => `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}`),
    col('Subobject', 'string', 1, (o) => o.involvedObject?.fieldPath ?? ''),
    col('Source', 'string', 1, (o) => o.source?.component ?? ''),
    col('Message', 'string', 0, (o) => o.message ?? ''),
    col('First Seen', 'string', 1, (o, now) => humanDuration(now - Date.parse(o.firstTimestamp ?? o.metadata.creationTimestamp))),
    col('Count', 'integer', 1, (o) => num(o.count ?? 1)),
    { ...name, priority: 1 },
  ],
  httproutes: [name, col('Hostnames', 'string', 0, (o) => JSON.stringify(o.spec?.hostnames ?? [])), ageCol],
};

/** True when the client asked for server-side printing (`Accept: application/json;as=Table;...`). */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => /;\s*as=Table/.test(part));
}

/**
 * A `meta.k8s.io/v1` Table of the objects, with the columns the real server prints for the type.
 * Rows carry the object as PartialObjectMetadata (the default), the full object for `includeObject=Object`,
 * or nothing for `includeObject=None`. `noHeaders` leaves the column definitions out (null, as Go encodes
 * them), which is how a watch sends every Table after the first.
 */
export function toTable(type: ResourceType, items: KObject[], resourceVersion: string, includeObject: string | null, now: number, noHeaders = false): unknown {
  const columns = COLUMNS[type.resource] ?? [name, ageCol];
  const objectOf = (o: KObject) =>
    includeObject === 'None'
      ? undefined
      : includeObject === 'Object'
        ? o
        : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: noHeaders ? null : columns.map(({ cell: _cell, ...c }) => ({ format: '', ...c })),
    rows: items.map((o) => ({ cells: columns.map((c) => c.cell(o, now)), object: objectOf(o) })),
  };
}

/**
 * What a watch asked for `as=Table` sends instead of each object: a one-row Table at the object's
 * resourceVersion, with the column definitions only in the first event of the stream, as the API server's
 * watch encoder does. `kubectl get -w` prints the first as the header and every later one as a line.
 */
export function tableWatchRenderer(type: ResourceType, includeObject: string | null): (o: KObject) => unknown {
  let first = true;
  return (o) => {
    const table = toTable(type, [o], String(o.metadata?.resourceVersion ?? ''), includeObject, Date.now(), !first);
    first = false;
    return table;
  };
}
