import type { Redis } from 'ioredis';
import { RunStore } from '../../src/run/store/run-store.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { listButtons, type SlackDriver, type SlackEmulator } from '../../sandbox/slack/index.js';
import type { FlightdeckProcess } from '../support/flightdeck-process.js';
import { replyText } from '../support/reply-text.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { waitUntil } from '../support/wait-until.js';
import { E2E_CATALOG, E2E_CHECKLIST } from './fixtures.js';

const CHANNEL = 'C0DEPLOY';
const OLD_IMAGE = 'registry.example.com/acme/api:v1.4.1';

describe.each(['http', 'socket'] as const)('/deploy end to end over %s', (mode) => {
  let world: E2eWorld;
  let slack: SlackEmulator;
  let k8s: KubernetesEmulator;
  let flightdeck: FlightdeckProcess;
  let driver: SlackDriver;
  let redis: Redis;

  /**
   * Ticks every button flightdeck offers, one at a time, until the run's message shows a final outcome. Each
   * click's answer is checked here, outside the poller, where a failed expectation fails the test at once.
   */
  async function tickUntilFinished(messageTs: string): Promise<string> {
    const clicked = new Set<string>();
    for (;;) {
      const next = await waitUntil(
        'the run to finish or offer a button not yet ticked',
        () => {
          const message = slack.message(CHANNEL, messageTs);
          if (!message) return undefined;
          if (message.blocks.some((block) => block.block_id === 'outcome')) return { finished: true as const, text: message.text };
          const button = listButtons(message.blocks).find((candidate) => candidate.actionId.startsWith('item.') && !clicked.has(candidate.value ?? ''));
          return button ? { finished: false as const, button } : undefined;
        },
        60_000,
      );
      if (next.finished) return next.text;
      clicked.add(next.button.value ?? '');
      const response = await driver.clickButton({ userId: 'U0BOB', channelId: CHANNEL, messageTs, actionId: next.button.actionId, value: next.button.value });
      expect(response.status, `ticking ${next.button.actionId}`).toBe(200);
    }
  }

  async function deploy(text: string, userId = 'U0ALICE') {
    return driver.slashCommand({ command: '/deploy', text, userId, channelId: CHANNEL });
  }

  beforeAll(async () => {
    world = await startE2eWorld({
      mode,
      catalog: E2E_CATALOG,
      checklists: { release: E2E_CHECKLIST },
      kubernetes: { readyDelayMs: 150 },
      slack: { channels: [CHANNEL] },
      deployments: [{ namespace: 'shop', name: 'api', container: 'api', image: OLD_IMAGE, replicas: 3, progressDeadlineSeconds: 3 }],
    });
    ({ slack, k8s, flightdeck, driver, redis } = world);
  });

  afterAll(async () => {
    expect(await world?.stop()).toBe(0);
  });

    it('refuses an unknown service with the valid names and records nothing', async () => {
      const response = await deploy('billing v1.0.0 to production');
      expect(response.status).toBe(200);
      expect(replyText(response)).toContain('There is no service called `billing`');
      expect(replyText(response)).toContain('`api`');
      expect(await redis.keys(`{${flightdeck.redisPrefix}}:run:*`)).toEqual([]);
      expect(slack.calls.filter((call) => call.method === 'chat.postMessage')).toEqual([]);
    });

    it('refuses a version that is not an image tag', async () => {
      const response = await deploy('api v1.4.2:latest to production');
      expect(replyText(response)).toContain('is not a valid image tag');
    });

    it('runs the checklist to a finished rollout, editing one message in place', async () => {
      const response = await deploy('api v1.4.2 to production');
      expect(response.status).toBe(200);
      expect(replyText(response)).toMatch(/Run #\d+: deploying \*api\* `v1.4.2` to \*production\*/);

      const posted = await slack.waitFor((state) => state.messages(CHANNEL)[0], 10_000, 'the run message');
      expect(posted.text).toContain('Deploy api v1.4.2 to production');

      const second = await deploy('api v1.4.3 to production', 'U0CAROL');
      expect(replyText(second)).toMatch(/already being deployed to production by run #\d+ \(`v1.4.2`, requested by <@U0ALICE>/);

      const finalText = await tickUntilFinished(posted.ts);
      const message = slack.message(CHANNEL, posted.ts)!;
      expect(JSON.stringify(message.blocks)).toContain('Succeeded');
      expect(finalText).toContain('succeeded');
      expect(slack.messages(CHANNEL)).toHaveLength(1);
      expect(slack.calls.some((call) => call.method === 'chat.update')).toBe(true);

      const deployment = k8s.getDeployment('shop', 'api');
      expect(deployment.spec.template.spec.containers[0].image).toBe('registry.example.com/acme/api:v1.4.2');
      expect(deployment.metadata.annotations['kubernetes.io/change-cause']).toContain('flightdeck run #');
    });

    it('ends in failed with the reason when the image never becomes ready, keeping the original revision', async () => {
      const before = k8s.getDeployment('shop', 'api');
      const revisionBefore = before.metadata.annotations['deployment.kubernetes.io/revision'];
      k8s.neverReady('registry.example.com/acme/api:v9.9.9-broken');
      const response = await deploy('api v9.9.9-broken to production');
      expect(replyText(response)).toMatch(/Run #(\d+)/);
      const runId = /Run #(\d+)/.exec(replyText(response))![1]!;

      const posted = await slack.waitFor(
        (state) => state.messages(CHANNEL).find((message) => message.text.includes('v9.9.9-broken')),
        10_000,
        'the second run message',
      );
      const finalText = await tickUntilFinished(posted.ts);
      expect(finalText).toMatch(/failed|rolling-back|rolled-back/);
      expect(JSON.stringify(slack.message(CHANNEL, posted.ts)!.blocks)).toContain('progress deadline');

      // A deploy that failed after changing the cluster is rolled back to its recorded revision.
      const store = new RunStore(redis, flightdeck.redisPrefix);
      const stored = await waitUntil('the automatic rollback', async () => {
        const run = await store.get(runId);
        return run?.state === 'rolled-back' ? run : undefined;
      });
      expect(stored.rollbackTarget?.revision).toBe(revisionBefore);
      expect(stored.rollbackTarget?.image).toBe('registry.example.com/acme/api:v1.4.2');
    });
});
