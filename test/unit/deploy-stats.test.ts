import { describe, expect, it } from 'vitest';
import { parseDeploy } from '../../commands/deploy.js';
import { dailyBars, formatKeys, formatStats } from '../../commands/deploy/show-stats.js';
import { isFlightdeckError } from '../../src/errors/flightdeck-error.js';
import type { FourKeys } from '../../src/run/core/four-keys.js';

const MIN = 60_000;

function usageOf(text: string): string {
  try {
    parseDeploy(text);
  } catch (err) {
    if (isFlightdeckError(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  throw new Error(`${text} parsed`);
}

describe('/deploy stats', () => {
  it('reads a service, an environment and --days, 30 days by default', () => {
    expect(parseDeploy('stats')).toEqual({ kind: 'stats', days: 30 });
    expect(parseDeploy('STATS api')).toEqual({ kind: 'stats', service: 'api', days: 30 });
    expect(parseDeploy('stats api production --days 7')).toEqual({ kind: 'stats', service: 'api', environment: 'production', days: 7 });
    expect(parseDeploy('stats --days 90 api')).toEqual({ kind: 'stats', service: 'api', days: 90 });
  });

  it('refuses a range it cannot read and extra words, saying what is wrong', () => {
    expect(usageOf('stats --days 0')).toBe('usage: `--days` takes a whole number of days from 1 to 90, not `0`.');
    expect(usageOf('stats --days 91')).toBe('usage: `--days` takes a whole number of days from 1 to 90, not `91`.');
    expect(usageOf('stats api --days')).toBe('usage: `--days` takes a whole number of days from 1 to 90.');
    expect(usageOf('stats api production extra')).toBe('usage: `stats` takes at most a service and an environment, not `api production extra`.');
    expect(usageOf('stats API')).toContain('is not a service name');
  });

  const keys: FourKeys = {
    deployments: 4,
    perDay: 4 / 7,
    daily: [2, 0, 1, 0, 0, 1, 0],
    failures: 1,
    changeFailureRate: 0.25,
    timeToRestoreMs: 12 * MIN,
    restored: 1,
    leadTimeMs: undefined,
  };

  it('words each key, says lead time is unknown without commit times, and draws deployments per day', () => {
    expect(formatKeys({ service: 'api', environment: 'production', keys })).toBe(
      '*api* in *production*: 4 deployments (0.6 a day) · change failure rate 25% (1 of 4) · time to restore 12m 00s (median of 1) · lead time unknown (no commit times recorded)\n`█·▄··▄·`',
    );
    expect(dailyBars([0, 0])).toBe('··');
  });

  it('says when there is nothing to measure, and what is not restored yet', () => {
    const none: FourKeys = { ...keys, deployments: 0, perDay: 0, daily: [0], failures: 0, changeFailureRate: undefined, timeToRestoreMs: undefined, restored: 0 };
    expect(formatKeys({ service: 'api', environment: 'staging', keys: none })).toBe('*api* in *staging*: no deployments.');
    const open = formatKeys({ service: 'api', environment: 'production', keys: { ...keys, timeToRestoreMs: undefined, restored: 0 } });
    expect(open).toContain('time to restore unknown (1 not restored yet)');
    expect(formatStats(1, [])).toBe('*The four keys, last 1 day* (bars: deployments per day, oldest first)\nNo service deploys there.');
  });
});
