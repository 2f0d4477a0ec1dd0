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

  it.each([
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
  });
});
