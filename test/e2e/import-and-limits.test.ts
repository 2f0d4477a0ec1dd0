import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listButtons } from '../../sandbox/slack/index.js';
import { replyText } from '../support/reply-text.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli.js');

function flightdeck(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 30_000 });
}

describe('flightdeck import-checklist, then check', () => {
  it.each(['001-production-deployment.md', '002-deployment-runbook.md'])('turns the reference checklist %s into YAML that check accepts', (file) => {
    const imported = flightdeck(['import-checklist', join(ROOT, 'test/fixtures/markdown', file), '--name', 'imported']);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/kind: manual/);
    const out = join(mkdtempSync(join(tmpdir(), 'flightdeck-import-')), 'imported.yaml');
    writeFileSync(out, imported.stdout);
    const checked = flightdeck(['check', out]);
    expect(checked.stderr).toBe('');
    expect(checked.status).toBe(0);
  });
});

/** 20 phases of 5 people's items: the run message must stay within Block Kit's limits at every step. */
function hundredItemChecklist(): string {
  const phases = Array.from({ length: 20 }, (_, p) => {
    const items = Array.from({ length: 5 }, (_, i) => `      - id: p${p}-i${i}\n        kind: manual\n        title: Item ${i + 1} of phase ${p + 1}, with a title long enough to matter for section text limits`);
    return `  - id: phase-${p}\n    title: Phase ${p + 1}\n    items:\n${items.join('\n')}`;
  });
  return `name: huge\nphases:\n${phases.join('\n')}\n`;
}

describe('a 100-item checklist', () => {
  let world: E2eWorld;
  beforeAll(async () => {
    const catalog = `slack:\n  defaultChannel: C0DEPLOY\nenvironments:\n  production:\n    cluster: emulator\n    checklist: huge\nservices:\n  api:\n    namespace: shop\n    deployment: api\n    container: api\n    image: registry.example.com/acme/api\n    environments: [production]\n`;
    world = await startE2eWorld({ mode: 'http', catalog, checklists: { huge: hundredItemChecklist() } });
  });
  afterAll(async () => {
    expect(await world?.stop()).toBe(0);
  });

  it('is posted and edited within Slack limits while its items are ticked', async () => {
    const response = await world.driver.slashCommand({ command: '/deploy', text: 'api v2.0.0 to production', userId: 'U0ALICE', channelId: 'C0DEPLOY' });
    expect(replyText(response)).toMatch(/Run #\d+/);
    const posted = await world.slack.waitFor((state) => state.messages('C0DEPLOY')[0], 15_000, 'the run message');
    // Tick the first three phases' items, so the message holds folded, open and pending phases at once.
    for (let tick = 0; tick < 15; tick += 1) {
      const button = await world.slack.waitFor(
        (state) => listButtons(state.message('C0DEPLOY', posted.ts)?.blocks ?? []).find((b) => b.actionId.startsWith('item.')),
        15_000,
        'a tick button',
      );
      await world.driver.clickButton({ userId: 'U0BOB', channelId: 'C0DEPLOY', messageTs: posted.ts, actionId: button.actionId, value: button.value });
      await world.slack.waitFor(
        (state) => !listButtons(state.message('C0DEPLOY', posted.ts)?.blocks ?? []).some((b) => b.value === button.value) || undefined,
        15_000,
        `the message to show ${button.value} ticked`,
      );
    }
    const writes = world.slack.calls.filter((call) => call.method === 'chat.postMessage' || call.method === 'chat.update');
    expect(writes.length).toBeGreaterThan(1);
    // Every write of the message was accepted: the emulator answers invalid_blocks past Slack's limits.
    expect(writes.filter((call) => (call.response as { ok?: boolean }).ok !== true)).toEqual([]);
    expect(world.slack.message('C0DEPLOY', posted.ts)!.blocks.length).toBeLessThanOrEqual(50);
    expect(world.slack.message('C0DEPLOY', posted.ts)!.text).toContain('Deploy api v2.0.0 to production');
  });
});
