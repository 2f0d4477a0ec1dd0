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

/** Copies of stored objects in the order of their keys (resource, namespace, name), as a list answers. */
function sortedCopies(entries: [string, KObject][]): KObject[] {
  return entries.sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => clone(v));
}

/** The uids of the owners an object names in its ownerReferences. */
export function ownerUidsOf(obj: KObject): string[] {
  const refs: unknown = obj.metadata?.ownerReferences;
  return Array.isArray(refs) ? refs.flatMap((ref: KObject) => (typeof ref?.uid === 'string' ? [ref.uid] : [])) : [];
}

/**
 * Objects plus one global resourceVersion counter and a bounded event history, which is what lets a watch
 * resume "from exact" and lets tests force the 410 path.
 */
export class ObjectStore {
  private rv = 100;
  /** Watches from a resourceVersion below this are expired. */
  private oldestWatchable = 100;
  private readonly objects = new Map<string, KObject>();
  /**
   * The same objects by resource, then namespace ('' for cluster-scoped), then key; and by the uid of each
   * owner they name. The controllers list the ReplicaSets and Pods of one Deployment on every tick: scanning
   * every object of the instance for each made one emulator's tick grow with the square of its Deployments.
   */
  private readonly scopes = new Map<Resource, Map<string, Map<string, KObject>>>();
  private readonly owned = new Map<string, Map<string, KObject>>();
  /** The keys of each resource in list order; dropped when one is added or deleted, not when one is modified. */
  private readonly sortedKeys = new Map<Resource, string[]>();
  private readonly history: StoredEvent[] = [];
  private readonly sinks = new Set<WatchSink>();
  /** In-process observers of every write and delete: the controllers' informers. */
  private readonly observers = new Set<(event: StoredEvent) => void>();
  /** How many times a stored object was looked at, by its namespace ('' for cluster-scoped): see `visits`. */
  private readonly visited = new Map<string, number>();

  get currentRv(): number {
    return this.rv;
  }

  private key(resource: Resource, ns: string, name: string): string {
    return `${resource}/${ns}/${name}`;
  }

  /**
   * How many times a request, watch or controller has looked at a stored object of `namespace` ('' for
   * cluster-scoped ones): what a test counts to show that serving one Deployment looks at no other.
   */
  visits(namespace: string): number {
    return this.visited.get(namespace) ?? 0;
  }

  private visit<T extends KObject | undefined>(obj: T): T {
    if (obj !== undefined) {
      const ns = String(obj.metadata?.namespace ?? '');
      this.visited.set(ns, this.visits(ns) + 1);
    }
    return obj;
  }

  get(resource: Resource, ns: string, name: string): KObject | undefined {
    const o = this.peek(resource, ns, name);
    return o === undefined ? undefined : clone(o);
  }

  /** The stored object itself, not copied: for a controller that only reads it (it writes through `put`). Callers must not modify it. */
  peek(resource: Resource, ns: string, name: string): KObject | undefined {
    return this.visit(this.objects.get(this.key(resource, ns, name)));
  }

  /**
   * Objects of a resource in one namespace, or in all of them (and cluster-scoped ones) for `ns` ''; sorted by
   * namespace, then name. `keep` runs on the stored objects before they are copied: the controllers list
   * thousands of pods and replica sets on every tick, and copying all of them to keep a handful made a
   * 1,000-run bench saturate the emulator rather than flightdeck.
   */
  list(resource: Resource, ns: string, keep: (obj: KObject) => boolean = () => true): KObject[] {
    if (ns === '') return this.stored(resource).filter(keep).map(clone);
    const scope = this.scopes.get(resource)?.get(ns) ?? new Map<string, KObject>();
    return sortedCopies([...scope].filter(([, v]) => keep(this.visit(v))));
  }

  /** Every stored object of a resource in list order, not copied. */
  private stored(resource: Resource): readonly KObject[] {
    let keys = this.sortedKeys.get(resource);
    if (!keys) {
      keys = [...(this.scopes.get(resource)?.values() ?? [])].flatMap((scope) => [...scope.keys()]).sort((a, b) => a.localeCompare(b));
      this.sortedKeys.set(resource, keys);
    }
    return keys.map((key) => this.visit(this.objects.get(key)!));
  }

  /**
   * Objects of a resource in one namespace that name `ownerUid` in their ownerReferences and pass `keep`,
   * sorted by name: what a controller owns, read without looking at anything else the instance holds.
   */
  listOwned(resource: Resource, ns: string, ownerUid: string, keep: (obj: KObject) => boolean = () => true): KObject[] {
    const prefix = `${resource}/${ns}/`;
    return sortedCopies([...(this.owned.get(ownerUid) ?? [])].filter(([k, v]) => k.startsWith(prefix) && keep(this.visit(v))));
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
    this.index(resource, key, stored, this.objects.get(key));
    this.objects.set(key, stored);
    this.record({ rv: this.rv, type, resource, object: stored });
    return clone(stored);
  }

  delete(resource: Resource, ns: string, name: string): void {
    const key = this.key(resource, ns, name);
    const existing = this.objects.get(key);
    if (!existing) return;
    this.unindex(resource, key, existing);
    this.objects.delete(key);
    this.rv += 1;
    const gone = clone(existing);
    gone.metadata.resourceVersion = String(this.rv);
    this.record({ rv: this.rv, type: 'DELETED', resource, object: gone });
  }

  /** Adds a stored object to the namespace and owner indexes, or moves it there from its previous version. */
  private index(resource: Resource, key: string, obj: KObject, previous: KObject | undefined): void {
    if (previous) this.unindexOwners(key, previous);
    const ns = String(obj.metadata.namespace ?? '');
    let namespaces = this.scopes.get(resource);
    if (!namespaces) this.scopes.set(resource, (namespaces = new Map()));
    let scope = namespaces.get(ns);
    if (!scope) namespaces.set(ns, (scope = new Map()));
    if (!scope.has(key)) this.sortedKeys.delete(resource);
    scope.set(key, obj);
    for (const uid of ownerUidsOf(obj)) {
      let owned = this.owned.get(uid);
      if (!owned) this.owned.set(uid, (owned = new Map()));
      owned.set(key, obj);
    }
  }

  private unindex(resource: Resource, key: string, obj: KObject): void {
    const namespaces = this.scopes.get(resource);
    const ns = String(obj.metadata.namespace ?? '');
    const scope = namespaces?.get(ns);
    scope?.delete(key);
    if (scope?.size === 0) namespaces?.delete(ns);
    this.sortedKeys.delete(resource);
    this.unindexOwners(key, obj);
  }

  private unindexOwners(key: string, obj: KObject): void {
    for (const uid of ownerUidsOf(obj)) {
      const owned = this.owned.get(uid);
      owned?.delete(key);
      if (owned?.size === 0) this.owned.delete(uid);
    }
  }

  private record(event: StoredEvent): void {
    this.history.push(event);
    while (this.history.length > HISTORY_LIMIT) {
      const dropped = this.history.shift();
      if (dropped) this.oldestWatchable = dropped.rv;
    }
    for (const observe of this.observers) observe(event);
    for (const sink of this.sinks) this.deliver(sink, event);
  }

  /**
   * Calls `observe` with every write and delete from now on, as it happens (the object is the stored one: it
   * must not be modified). A controller learns what changed from this, as from an informer, rather than by
   * looking at every object on every tick.
   */
  observe(observe: (event: StoredEvent) => void): void {
    this.observers.add(observe);
  }

  private deliver(sink: WatchSink, event: StoredEvent): void {
    if (sink.resource !== event.resource || (sink.namespace !== '' && event.object.metadata.namespace !== sink.namespace)) return;
    if (!sink.matches(this.visit(event.object))) return;
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
