import { describe, expect, it } from 'vitest';
import { maskRedisUrl, parseRedisTarget } from '../../src/config/redis-target.js';

describe('parseRedisTarget', () => {
  it.each(['redis://127.0.0.1:6379', 'rediss://:p%40ss@cache.internal:6380/2'])('takes %s as one server, kept as written', (url) => {
    expect(parseRedisTarget(url)).toEqual({ kind: 'server', url });
  });

  it('reads sentinels, the primary name, the db and the passwords of a Sentinel URL', () => {
    expect(parseRedisTarget('rediss+sentinel://app:p%40ss@s1.internal:26380,10.0.0.2,[::1]:26381/cache-primary/3?sentinelPassword=s3cret')).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1.internal', port: 26380 },
        { host: '10.0.0.2', port: 26379 },
        { host: '::1', port: 26381 },
      ],
      name: 'cache-primary',
      db: 3,
      username: 'app',
      password: 'p@ss',
      sentinelPassword: 's3cret',
      tls: true,
    });
    expect(parseRedisTarget('redis+sentinel://127.0.0.1:26379/mymaster')).toMatchObject({ db: 0, password: undefined, username: undefined, tls: false });
  });

  it('reads the seed nodes and the password of a Cluster URL', () => {
    expect(parseRedisTarget('rediss+cluster://app:p%40ss@node-a.internal:7000,10.0.0.2,[::1]:7002')).toEqual({
      kind: 'cluster',
      seeds: [
        { host: 'node-a.internal', port: 7000 },
        { host: '10.0.0.2', port: 6379 },
        { host: '::1', port: 7002 },
      ],
      username: 'app',
      password: 'p@ss',
      tls: true,
    });
    expect(parseRedisTarget('redis+cluster://:hunter2@127.0.0.1:7000/')).toEqual({
      kind: 'cluster',
      seeds: [{ host: '127.0.0.1', port: 7000 }],
      username: undefined,
      password: 'hunter2',
      tls: false,
    });
  });

  it.each([
    ['redis+cluster://', /names no seed node/],
    ['redis+cluster://:pw@', /names no seed node/],
    ['redis+cluster://n1:7000,,n3:7000', /a seed node "" that is not host\[:port\]/],
    ['redis+cluster://n1:70000', /a seed node "n1:70000" that is not host\[:port\]/],
    ['redis+cluster://n1:0', /a seed node "n1:0"/],
    ['redis+cluster://n_1:7000', /a seed node "n_1:7000"/],
    ['redis+cluster://n1:7000/2', /has a path "\/2", but Redis Cluster has no databases to choose \(only db 0\)/],
    ['redis+cluster://n1:7000?sentinelPassword=x', /has parameters "\?sentinelPassword=x", but a Cluster URL reads none/],
    ['redis+cluster://n1:7000#frag', /is not a Cluster URL/],
    ['redis+sentinel://s1:26379', /needs the sentinels and the primary's name/],
    ['redis+sentinel://s1:26379,/mymaster', /a sentinel "" that is not host\[:port\]/],
    ['redis+sentinel://s1:0/mymaster', /a sentinel "s1:0"/],
    ['redis+sentinel://s1/mymaster?password=x', /unknown parameter password/],
    ['memcached://cache:11211', /wrong scheme/],
    ['redis://[nope', /is not a URL/],
  ])('refuses %s', (url, message) => {
    expect(() => parseRedisTarget(url)).toThrow(message);
  });

  it('masks every password it can find', () => {
    expect(maskRedisUrl('redis+sentinel://app:hunter2@s1,s2/primary?sentinelPassword=s3cret')).toBe('redis+sentinel://app:***@s1,s2/primary?sentinelPassword=***');
    expect(maskRedisUrl('rediss://:hunter2@cache:6380')).toBe('rediss://:***@cache:6380');
    expect(maskRedisUrl('redis://cache:6379')).toBe('redis://cache:6379');
    expect(maskRedisUrl('rediss+cluster://app:hunter2@n1:7000,n2:7000')).toBe('rediss+cluster://app:***@n1:7000,n2:7000');
  });
});
