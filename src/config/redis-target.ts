import { z } from 'zod';

/**
 * Where flightdeck's Redis is, from `REDIS_URL`: one server (`redis://`, `rediss://` for TLS), a primary that
 * Redis Sentinel names (`redis+sentinel://[[user]:password@]host:port[,host:port…]/<primary name>[/<db>]`,
 * `rediss+sentinel://` for TLS to the sentinels and the primary), or a Redis Cluster reached through a seed list
 * (`redis+cluster://[[user]:password@]host:port[,host:port…]`, `rediss+cluster://` for TLS). The password, when
 * given, is the primary's (or every cluster node's); sentinels are reached without one unless
 * `?sentinelPassword=` says otherwise.
 */
export type RedisTarget =
  | { kind: 'server'; url: string }
  | {
      kind: 'cluster';
      /** Any reachable ones will do: the client asks the first that answers for the rest (CLUSTER SLOTS). */
      seeds: { host: string; port: number }[];
      username: string | undefined;
      password: string | undefined;
      tls: boolean;
    }
  | {
      kind: 'sentinel';
      sentinels: { host: string; port: number }[];
      name: string;
      db: number;
      username: string | undefined;
      password: string | undefined;
      sentinelPassword: string | undefined;
      tls: boolean;
    };

const SENTINEL = /^(rediss?)\+sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)\/([^/?#]+)(?:\/(\d+))?\/?(?:\?([^#]*))?$/;
const CLUSTER = /^(rediss?)\+cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/;
const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/;
const SENTINEL_PORT = 26379;
const SERVER_PORT = 6379;

export const REDIS_URL_FORMS =
  'redis://[:password@]host:port[/db], rediss:// for TLS, redis+sentinel://[:password@]host:26379[,host:26379…]/<primary name>[/db], or redis+cluster://[:password@]host:6379[,host:6379…]';

/** One `host[:port]` of a seed list; a bracketed IPv6 address loses its brackets. */
const seedSchema = z
  .string()
  .trim()
  .regex(HOST_PORT)
  .transform((entry) => {
    const [, host = '', port] = HOST_PORT.exec(entry) ?? [];
    return { host: host.replace(/^\[|\]$/g, ''), port: port === undefined ? SERVER_PORT : Number(port) };
  })
  .pipe(z.object({ host: z.string(), port: z.number().int().min(1).max(65_535) }));

/** Throws an Error whose message says what is wrong (without the password); the caller words it for the user. */
export function parseRedisTarget(text: string): RedisTarget {
  if (/^rediss?:\/\//.test(text)) {
    try {
      new URL(text);
    } catch {
      throw new Error('is not a URL');
    }
    return { kind: 'server', url: text };
  }
  if (/^rediss?\+cluster:/.test(text)) return parseCluster(text);
  const m = SENTINEL.exec(text);
  if (!m) {
    throw new Error(/^rediss?\+sentinel:/.test(text) ? 'is not a Sentinel URL: it needs the sentinels and the primary\'s name after them' : 'has the wrong scheme');
  }
  const [, scheme, username, password, hosts = '', name = '', db, query] = m;
  const sentinels = hosts.split(',').map((entry) => {
    const hp = HOST_PORT.exec(entry.trim());
    const port = hp?.[2] === undefined ? SENTINEL_PORT : Number(hp[2]);
    if (!hp || port < 1 || port > 65_535) throw new Error(`names a sentinel "${entry}" that is not host[:port]`);
    return { host: (hp[1] ?? '').replace(/^\[|\]$/g, ''), port };
  });
  const params = new URLSearchParams(query ?? '');
  const unknown = [...params.keys()].filter((key) => key !== 'sentinelPassword');
  if (unknown.length > 0) throw new Error(`has an unknown parameter ${unknown.join(', ')} (only sentinelPassword is read)`);
  return {
    kind: 'sentinel',
    sentinels,
    name: decodeURIComponent(name),
    db: db === undefined ? 0 : Number(db),
    username: username ? decodeURIComponent(username) : undefined,
    password: password ? decodeURIComponent(password) : undefined,
    sentinelPassword: params.get('sentinelPassword') ?? undefined,
    tls: scheme === 'rediss',
  };
}

function parseCluster(text: string): RedisTarget {
  const m = CLUSTER.exec(text);
  if (!m) throw new Error('is not a Cluster URL: it needs the seed nodes as host:port[,host:port…]');
  const [, scheme, username, password, hosts = '', path = '', query = ''] = m;
  if (hosts === '') throw new Error('names no seed node: list one or more cluster nodes as host:port[,host:port…]');
  // Redis Cluster serves db 0 only; a db in the URL would be silently ignored, so it is refused instead.
  if (path !== '' && path !== '/') throw new Error(`has a path "${path}", but Redis Cluster has no databases to choose (only db 0)`);
  if (query !== '' && query !== '?') throw new Error(`has parameters "${query}", but a Cluster URL reads none`);
  const seeds = hosts.split(',').map((entry) => {
    const seed = seedSchema.safeParse(entry);
    if (!seed.success) throw new Error(`names a seed node "${entry}" that is not host[:port]`);
    return seed.data;
  });
  return {
    kind: 'cluster',
    seeds,
    username: username ? decodeURIComponent(username) : undefined,
    password: password ? decodeURIComponent(password) : undefined,
    tls: scheme === 'rediss',
  };
}

/** The URL with its passwords shown as `***`, for messages and logs. */
export function maskRedisUrl(text: string): string {
  return text.replace(/^([a-z+]+:\/\/[^:@/]*:)[^@/]*@/, '$1***@').replace(/(sentinelPassword=)[^&#]*/, '$1***');
}
