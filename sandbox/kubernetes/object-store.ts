import type { Resource } from './resource-types.js';
import { expired } from './status-error.js';

/** A Kubernetes object as JSON; the emulator keeps the wire shape, not typed models. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON of many shapes; typed models would hide what the server really sends
export type KObject = Record<string, any>;

export type { Resource };
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  rv: number;
  type: WatchEventType;
  resource: Resource;
  object: KObject;
}

export interface WatchSink {
  resource: Resource;
  namespace: string;
  matches: (obj: KObject) => boolean;
  send: (type: string, object: KObject) => void;
}

/** Default size of the event history; older resourceVersions get 410 Expired like an etcd compaction. */
const HISTORY_LIMIT = 1000;

const clone = (o: KObject): KObject => structuredClone(o);

/**
 * Objects plus one global resourceVersion counter and a bounded event history, which is what lets a watch
 * resume "from exact" and lets tests force the 410 path.
 */
export class ObjectStore {
  private rv = 100;
  /** Watches from a resourceVersion below this are expired. */
  private oldestWatchable = 100;
  private readonly objects = new Map<string, KObject>();
  private readonly history: StoredEvent[] = [];
  private readonly sinks = new Set<WatchSink>();

  get currentRv(): number {
    return this.rv;
  }

  private key(resource: Resource, ns: string, name: string): string {
    return `${resource}/${ns}/${name}`;
  }

  get(resource: Resource, ns: string, name: string): KObject | undefined {
    const o = this.objects.get(this.key(resource, ns, name));
    return o === undefined ? undefined : clone(o);
  }

  /**
   * Objects of a resource in one namespace, or in all of them (and cluster-scoped ones) for `ns` ''; sorted by
   * namespace, then name. `keep` runs on the stored objects before they are copied: the controllers list
   * thousands of pods and replica sets on every tick, and copying all of them to keep a handful made a
   * 1,000-run bench saturate the emulator rather than flightdeck.
   */
  list(resource: Resource, ns: string, keep: (obj: KObject) => boolean = () => true): KObject[] {
    const prefix = ns === '' ? `${resource}/` : `${resource}/${ns}/`;
    return [...this.objects.entries()]
      .filter(([k, v]) => k.startsWith(prefix) && keep(v))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, v]) => clone(v));
  }

  /** Every object of a resource across namespaces. */
  listAll(resource: Resource): KObject[] {
    return this.list(resource, '');
  }

  /** Writes the object with a fresh resourceVersion and tells the watchers; returns the stored copy. */
  put(resource: Resource, obj: KObject): KObject {
    const ns = String(obj.metadata.namespace ?? '');
    const name = String(obj.metadata.name);
    const key = this.key(resource, ns, name);
    const type: WatchEventType = this.objects.has(key) ? 'MODIFIED' : 'ADDED';
    this.rv += 1;
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(this.rv);
    this.objects.set(key, stored);
    this.record({ rv: this.rv, type, resource, object: stored });
    return clone(stored);
  }

  delete(resource: Resource, ns: string, name: string): void {
    const key = this.key(resource, ns, name);
    const existing = this.objects.get(key);
    if (!existing) return;
    this.objects.delete(key);
    this.rv += 1;
    const gone = clone(existing);
    gone.metadata.resourceVersion = String(this.rv);
    this.record({ rv: this.rv, type: 'DELETED', resource, object: gone });
  }

  private record(event: StoredEvent): void {
    this.history.push(event);
    while (this.history.length > HISTORY_LIMIT) {
      const dropped = this.history.shift();
      if (dropped) this.oldestWatchable = dropped.rv;
    }
    for (const sink of this.sinks) this.deliver(sink, event);
  }

  private deliver(sink: WatchSink, event: StoredEvent): void {
    if (sink.resource !== event.resource || (sink.namespace !== '' && event.object.metadata.namespace !== sink.namespace)) return;
    if (!sink.matches(event.object)) return;
    sink.send(event.type, clone(event.object));
  }

  /**
   * Forgets all history. The counter also moves on, as other writes in a real cluster would, so a client
   * holding any resourceVersion it has seen so far gets 410 on its next watch and must re-list.
   */
  compact(): void {
    this.history.length = 0;
    this.rv += 1;
    this.oldestWatchable = this.rv;
  }

  /**
   * Starts a watch. Without a resourceVersion (or "0") it first sends ADDED for every matching object;
   * with one it replays history after it, or throws 410 Expired when that history is gone.
   * Returns the function that stops the watch.
   */
  watch(sink: WatchSink, resourceVersion: string | undefined): () => void {
    if (resourceVersion === undefined || resourceVersion === '' || resourceVersion === '0') {
      for (const obj of this.list(sink.resource, sink.namespace)) {
        if (sink.matches(obj)) sink.send('ADDED', obj);
      }
    } else {
      const from = Number(resourceVersion);
      if (!Number.isFinite(from) || from < this.oldestWatchable) throw expired(resourceVersion, this.rv);
      for (const event of this.history) {
        if (event.rv > from) this.deliver(sink, event);
      }
    }
    this.sinks.add(sink);
    return () => {
      this.sinks.delete(sink);
    };
  }
}
