import { describe, expect, it } from 'vitest';
import { parseDeploy } from '../../commands/deploy.js';
import { dailyBars, formatChartNote, formatKeys, formatStats } from '../../commands/deploy/show-stats.js';
import type { StatsChartJob } from '../../src/queue/notify/stats-chart-job.js';
import type { RunEngine } from '../../src/queue/engine/run-engine.js';
import { requestStatsChart } from '../../src/use-cases/request-stats-chart.js';
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
    dailyFailures: [0, 0, 1, 0, 0, 0, 0],
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
    const none: FourKeys = { ...keys, deployments: 0, perDay: 0, daily: [0], dailyFailures: [0], failures: 0, changeFailureRate: undefined, timeToRestoreMs: undefined, restored: 0 };
    expect(formatKeys({ service: 'api', environment: 'staging', keys: none })).toBe('*api* in *staging*: no deployments.');
    const open = formatKeys({ service: 'api', environment: 'production', keys: { ...keys, timeToRestoreMs: undefined, restored: 0 } });
    expect(open).toContain('time to restore unknown (1 not restored yet)');
    expect(formatStats(1, [])).toBe('*The four keys, last 1 day* (bars: deployments per day, oldest first)\nNo service deploys there.');
  });

  it('queues a chart of the service+environments with deployments, at most 6, and says so', async () => {
    const queued: StatsChartJob[] = [];
    const engine = { requestStatsChart: async (job: StatsChartJob) => void queued.push(job) } as unknown as RunEngine;
    const none: FourKeys = { ...keys, deployments: 0, daily: [0, 0, 0, 0, 0, 0, 0], dailyFailures: [0, 0, 0, 0, 0, 0, 0] };
    const entries = [{ service: 'api', environment: 'staging', keys: none }, ...Array.from({ length: 7 }, (_, i) => ({ service: `svc-${i}`, environment: 'production', keys }))];
    expect(await requestStatsChart({ requestedBy: 'U0BOB', days: 7, keys: entries.slice(0, 1) }, { engine })).toBeUndefined();
    expect(queued).toEqual([]);
    const chart = await requestStatsChart({ requestedBy: 'U0BOB', days: 7, keys: entries }, { engine });
    expect(chart).toEqual({ charted: 6, withDeployments: 7 });
    expect(queued).toHaveLength(1);
    expect(queued[0]!.panels.map((panel) => panel.service)).toEqual(['svc-0', 'svc-1', 'svc-2', 'svc-3', 'svc-4', 'svc-5']);
    expect(queued[0]!.panels[0]).toEqual({ service: 'svc-0', environment: 'production', daily: keys.daily, dailyFailures: keys.dailyFailures });
    expect(formatChartNote(chart!)).toBe('A chart of the first 6 with deployments follows in a direct message.');
    expect(formatChartNote({ charted: 2, withDeployments: 2 })).toBe('A chart follows in a direct message.');
  });
});
