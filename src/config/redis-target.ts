/**
 * Where flightdeck's Redis is, from `REDIS_URL`: one server (`redis://`, `rediss://` for TLS), or a primary that
 * Redis Sentinel names (`redis+sentinel://[[user]:password@]host:port[,host:port…]/<primary name>[/<db>]`,
 * `rediss+sentinel://` for TLS to the sentinels and the primary). The password, when given, is the primary's;
 * sentinels are reached without one unless `?sentinelPassword=` says otherwise.
 */
export type RedisTarget =
  | { kind: 'server'; url: string }
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
const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/;
const SENTINEL_PORT = 26379;

export const REDIS_URL_FORMS =
  'redis://[:password@]host:port[/db], rediss:// for TLS, or redis+sentinel://[:password@]host:26379[,host:26379…]/<primary name>[/db]';

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

/** The URL with its passwords shown as `***`, for messages and logs. */
export function maskRedisUrl(text: string): string {
  return text.replace(/^([a-z+]+:\/\/[^:@/]*:)[^@/]*@/, '$1***@').replace(/(sentinelPassword=)[^&#]*/, '$1***');
}
