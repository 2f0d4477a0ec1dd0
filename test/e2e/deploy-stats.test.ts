import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { Run } from '../../src/run/core/run-schema.js';
import type { RunStore } from '../../src/run/store/run-store.js';
import type { SlackDriver } from '../../sandbox/slack/index.js';
import { DEPLOYED, FAILED } from '../../src/slack/views/render-stats-chart.js';
import { barsIn, readPng } from '../support/read-png.js';
import { replyText } from '../support/reply-text.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';

const CHANNEL = 'C0DEPLOY';
/** In no role of the catalog: stats are open to anyone, like status and history. A known user, so a chart can be sent to them. */
const BOB = 'U0BOB';
const DAY = 86_400_000;
const MIN = 60_000;

const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
roles:
  deployers:
    users: [U0ALICE]
environments:
  staging:
    cluster: emulator
    checklist: plain
  production:
    cluster: emulator
    checklist: plain
    deployers: [deployers]
services:
  api:
    namespace: stats
    deployment: api
    container: api
    image: registry.example.com/acme/api
    environments: [staging, production]
  web:
    namespace: stats
    deployment: web
    container: web
    image: registry.example.com/acme/web
    environments: [production]
`;

const PLAIN = `
name: plain
phases:
  - id: rollout
    title: Rollout
    items:
      - { id: set-image, kind: step, action: set-image }
`;

const checklist = checklistSchema.parse({ name: 'plain', phases: [{ id: 'rollout', title: 'Rollout', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }] }] });
const PINNED = { revision: '1', image: 'registry.example.com/acme/api:v0', template: {}, recordedAt: 0 };

/**
 * Seeds a run through the store as flightdeck writes one: created (taking the lock), then, when it ended,
 * moved to its end in one update (releasing the lock), so the history index and the documents are real.
 */
async function seed(store: RunStore, at: number, ended: Partial<Run> | undefined, kind: Run['kind'] = 'deploy', service = 'api'): Promise<string> {
  const id = await store.nextRunId();
  const base = createRun(
    {
      id,
      service,
      environment: 'production',
      version: `v1.${id}`,
      target: { cluster: 'emulator', namespace: 'stats', deployment: 'api', container: 'api', image: `registry.example.com/acme/api:v1.${id}` },
      requestedBy: 'U0ALICE',
      channel: CHANNEL,
      checklist,
    },
    at,
  );
  const created = await store.create({ ...base, kind, ...(kind === 'rollback' ? { rollbackOf: String(Number(id) - 1) } : {}) }, []);
  expect(created.created).toBe(true);
  if (ended) await store.update(id, (run) => ({ run: { ...run, ...ended, updatedAt: ended.endedAt ?? at }, audit: [], effects: [] }));
  return id;
}

describe('/deploy stats with a known set of runs', () => {
  let world: E2eWorld;
  let driver: SlackDriver;
  const stats = async (text: string) => {
    const response = await driver.slashCommand({ command: '/deploy', text, userId: BOB, channelId: CHANNEL });
    expect(response.status).toBe(200);
    return replyText(response);
  };

  beforeAll(async () => {
    world = await startE2eWorld({ mode: 'http', catalog: CATALOG, checklists: { plain: PLAIN }, slack: { channels: [CHANNEL] } });
    driver = world.driver;
    const { store } = world;
    // Placed mid-day so the day each falls in does not depend on how long the command takes to arrive.
    const now = Date.now();
    const ago = (days: number) => now - days * DAY - DAY / 2;
    const succeeded = (at: number): Partial<Run> => ({ state: 'succeeded', endedAt: at + 10 * MIN, rollbackTarget: PINNED });
    // 20 days ago and 3 days ago: two good deployments.
    await seed(store, ago(20), succeeded(ago(20)));
    await seed(store, ago(3), succeeded(ago(3)));
    // 2 days ago: breached 5 min in, rolled back by a rollback run that ended 12 min after the breach.
    const breachAt = ago(2) + 5 * MIN;
    const bad = await seed(store, ago(2), {
      state: 'rolled-back',
      endedAt: breachAt + 12 * MIN,
      rollbackTarget: PINNED,
      breaches: [{ guardId: 'error-rate', action: 'rollback', detail: 'error rate 8%', at: breachAt }],
    });
    const rollback = await seed(store, breachAt + MIN, { state: 'succeeded', endedAt: breachAt + 12 * MIN }, 'rollback');
    await store.update(bad, (run) => ({ run: { ...run, rollbackRunId: rollback }, audit: [], effects: [] }));
    // 1 day ago: failed before changing anything, so not a deployment.
    await seed(store, ago(1), { state: 'failed', endedAt: ago(1) + MIN });
    // 40 days ago: outside the default range.
    await seed(store, ago(40), succeeded(ago(40)));
    // Still in flight: left out.
    await seed(store, now - MIN, undefined);
    // web: 1 deployment 10 days ago, 2 seven days ago (one failed after changing the cluster), 3 five days ago.
    for (const [daysAgo, state] of [[10, 'succeeded'], [7, 'succeeded'], [7, 'failed'], [5, 'succeeded'], [5, 'succeeded'], [5, 'succeeded']] as const) {
      await seed(store, ago(daysAgo), { state, endedAt: ago(daysAgo) + 10 * MIN, rollbackTarget: PINNED }, 'deploy', 'web');
    }
  });

  afterAll(async () => {
    expect(await world?.stop()).toBe(0);
  });

  it('posts each environment\'s four keys to anyone, with lead time unknown and deployments per day', async () => {
    const text = await stats('stats api');
    const [header, staging, production, bars] = text.split('\n');
    expect(header).toBe('*The four keys, last 30 days* (bars: deployments per day, oldest first)');
    expect(staging).toBe('*api* in *staging*: no deployments.');
    expect(production).toBe(
      '*api* in *production*: 3 deployments (0.1 a day) · change failure rate 33% (1 of 3) · time to restore 12m 00s (median of 1) · lead time unknown (no commit times recorded)',
    );
    // Days 20, 3 and 2 ago, in 30 days oldest first: positions 9, 26 and 27.
    expect(bars).toBe(`\`${'·'.repeat(9)}█${'·'.repeat(16)}██${'·'.repeat(2)}\``);
  });

  it('narrows to one environment and a shorter range', async () => {
    const text = await stats('stats api production --days 3');
    expect(text).toContain('*The four keys, last 3 days*');
    expect(text).toContain('*api* in *production*: 1 deployment (0.3 a day) · change failure rate 100% (1 of 1) · time to restore 12m 00s (median of 1)');
    expect(text).not.toContain('staging');
  });

  it('sends the deployments per day as a PNG chart in a direct message, bars in proportion and failures in red', async () => {
    const text = await stats('stats web');
    expect(text).toContain('*web* in *production*: 6 deployments (0.2 a day) · change failure rate 17% (1 of 6)');
    expect(text.split('\n').at(-1)).toBe('A chart follows in a direct message.');
    // The commands above sent charts of api too: this one is told by its title.
    const file = await world.slack.waitFor((state) => state.files.find((candidate) => candidate.title === 'Deployments per day, last 30 days: web in production'), 20_000, 'the stats chart');
    expect(file.name).toBe('deploy-stats-30d.png');
    expect(file.channel).toBe(world.slack.dmChannel(BOB));
    expect(world.slack.files.filter((candidate) => candidate.channel === CHANNEL)).toEqual([]);

    const png = readPng(file.content);
    expect(png.chunks).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect([png.bitDepth, png.colorType]).toEqual([8, 2]);
    expect(png.width).toBe(file.content.readUInt32BE(16));
    expect(png.height).toBe(file.content.readUInt32BE(20));
    expect(png.raw.length).toBe((3 * png.width + 1) * png.height);

    // Days 10, 7 and 5 ago, left to right on one baseline: 1, 2 (one failed: red at the bottom) and 3 deployments.
    const bars = barsIn(png, { DEPLOYED, FAILED });
    expect(bars).toHaveLength(3);
    const unit = bars[0]!.bottom - bars[0]!.top + 1;
    expect(unit).toBeGreaterThan(0);
    expect(bars.map((bar) => bar.bottom - bar.top + 1)).toEqual([unit, 2 * unit, 3 * unit]);
    expect(bars.map((bar) => bar.rows)).toEqual([{ DEPLOYED: unit }, { DEPLOYED: unit, FAILED: unit }, { DEPLOYED: 3 * unit }]);
    expect(new Set(bars.map((bar) => bar.bottom)).size).toBe(1);
    expect((bars[1]!.left - bars[0]!.left) / (bars[2]!.left - bars[1]!.left)).toBe(3 / 2);
  });

  it('promises no chart when nothing was deployed in the range (none is queued)', async () => {
    const text = await stats('stats api staging');
    expect(text).toContain('*api* in *staging*: no deployments.');
    expect(text).not.toContain('chart');
  });

  it('refuses an unknown service or environment with the names it knows', async () => {
    expect(await stats('stats nope')).toContain('There is no service called `nope`');
    expect(await stats('stats api qa')).toContain('There is no environment called `qa`');
  });
});
