import { execFile } from 'node:child_process';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStore } from '../../src/run/store/run-store.js';
import type { Run } from '../../src/run/core/run-schema.js';
import type { KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import type { SlackDriver, SlackEmulator } from '../../sandbox/slack/index.js';
import type { FlightdeckProcess } from '../support/flightdeck-process.js';
import { replyText } from '../support/reply-text.js';
import { commandUnavailable, requireTool, skipWithout } from '../support/skip-without.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { waitForRunState } from '../support/wait-for-run-state.js';
import { waitUntil } from '../support/wait-until.js';
import { shownText } from '../support/shown-text.js';

const SIGNING_SECRET = 'e2e-rollback-secret';
const CHANNEL = 'C0ORDERS';
const REPO = 'registry.example.com/acme/orders';
const KUBECTL = process.env.KUBECTL ?? 'kubectl';
/** Only the cross-check with kubectl's own history needs kubectl; the rollbacks are judged without it. */
const kubectlMissing = commandUnavailable(KUBECTL, ['version', '--client'], 'apt-get install kubernetes-client');

const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
roles:
  sre:
    users: [U0SRE]
environments:
  production:
    cluster: emulator
    checklist: quick
    rollbackers: [sre]
services:
  orders:
    namespace: shop
    deployment: orders
    container: orders
    image: ${REPO}
    environments: [production]
`;

const CHECKLIST = `
name: quick
phases:
  - id: rollout
    title: Rollout
    items:
      - { id: set-image, kind: step, action: set-image }
      - { id: wait, kind: step, action: wait-rollout, timeout: 20s }
`;

let world: E2eWorld;
let slack: SlackEmulator;
let k8s: KubernetesEmulator;
let flightdeck: FlightdeckProcess;
let driver: SlackDriver;
let redis: Redis;
let store: RunStore;
let kubeconfig: string;

const settle = (id: string, states: readonly string[]): Promise<Run> => waitForRunState(store, id, states);

async function deploy(version: string): Promise<string> {
  const response = await driver.slashCommand({ command: '/deploy', text: `orders ${version} to production`, userId: 'U0ALICE', channelId: CHANNEL });
  const match = /Run #(\d+)/.exec(replyText(response));
  expect(match, replyText(response)).not.toBeNull();
  return match![1]!;
}

/** Submits the confirm dialog flightdeck opened for `userId`; returns the id of the rollback run it started. */
async function confirmDialog(userId: string, says: string): Promise<string> {
  const view = await waitUntil('the confirm dialog', () => slack.openViews(userId).find((v) => v.open && v.callbackId === 'rollback.confirm'));
  expect(JSON.stringify(view.blocks)).toContain(says);
  const before = new Set((await redis.keys(`{${flightdeck.redisPrefix}}:run:*`)).filter((k) => !k.includes(':run:id')));
  const response = await driver.viewSubmission({ userId, viewId: view.id });
  expect(response.status).toBe(200);
  return waitUntil('the rollback run', async () => {
    const keys = (await redis.keys(`{${flightdeck.redisPrefix}}:run:*`)).filter((k) => !before.has(k));
    for (const key of keys) {
      const run = await store.get(key.slice(key.lastIndexOf(':') + 1));
      if (run?.kind === 'rollback') return run.id;
    }
    return undefined;
  });
}

function kubectlHistory(): Promise<Array<[number, string]>> {
  requireTool(kubectlMissing);
  return new Promise((resolve, reject) =>
    execFile(KUBECTL, ['--kubeconfig', kubeconfig, '-n', 'shop', 'rollout', 'history', 'deployment/orders'], { encoding: 'utf8' }, (err, stdout) => {
      if (err) return reject(err);
      resolve(
        stdout
          .split('\n')
          .filter((line) => /^\d+\s/.test(line))
          .map((line) => {
            const [revision, ...cause] = line.trim().split(/\s+/);
            return [Number(revision), cause.join(' ')];
          }),
      );
    }),
  );
}

/** The history `kubectl rollout history` derives from the ReplicaSets: [revision, change-cause or <none>], oldest first. */
function replicaSetHistory(): Array<[number, string]> {
  return k8s
    .listReplicaSets('shop')
    .map((rs): [number, string] => [Number(rs.metadata.annotations['deployment.kubernetes.io/revision']), rs.metadata.annotations['kubernetes.io/change-cause'] ?? '<none>'])
    .sort(([a], [b]) => a - b);
}

const image = () => k8s.getDeployment('shop', 'orders').spec.template.spec.containers[0].image as string;
const revisionNow = () => Number(k8s.getDeployment('shop', 'orders').metadata.annotations['deployment.kubernetes.io/revision']);

describe('rollback end to end', () => {
  beforeAll(async () => {
    world = await startE2eWorld({
      mode: 'http',
      catalog: CATALOG,
      checklists: { quick: CHECKLIST },
      signingSecret: SIGNING_SECRET,
      kubernetes: { readyDelayMs: 150, tls: true },
      slack: { channels: [CHANNEL] },
      deployments: [{ namespace: 'shop', name: 'orders', container: 'orders', image: `${REPO}:v1`, replicas: 2, progressDeadlineSeconds: 2 }],
      beforeStart: ({ k8s }) => k8s.neverReady(`${REPO}:v9-broken`),
    });
    ({ slack, k8s, flightdeck, driver, redis, store, kubeconfig } = world);
  });

  afterAll(async () => {
    expect(await world?.stop()).toBe(0);
  });

  it('a failed deploy is rolled back to its recorded revision, reported in its thread, as its ReplicaSets record', async () => {
    const good = await deploy('v2');
    expect((await settle(good, ['succeeded', 'failed', 'error'])).state).toBe('succeeded');
    const bad = await deploy('v9-broken');
    const undone = await settle(bad, ['rolled-back', 'rollback-failed', 'error']);
    expect(undone.state).toBe('rolled-back');
    expect(undone.rollbackTarget).toMatchObject({ image: `${REPO}:v2`, revision: '2' });
    expect(image()).toBe(`${REPO}:v2`);

    const thread = await waitUntil('the rollback report in the thread', () => {
      const replies = slack.thread(CHANNEL, undone.messageTs!).map(shownText);
      const started = replies.some((text) => text.includes(`Rollback run #${undone.rollbackRunId} started`));
      return started && replies.some((text) => text.includes('Rolled back')) ? replies : undefined;
    });
    expect(thread.join('\n')).toContain(`Rollback run #${undone.rollbackRunId} started`);

    const history = replicaSetHistory();
    expect(history.at(-1)).toEqual([revisionNow(), `flightdeck rollback run #${undone.rollbackRunId} undoing run #${bad} requested by flightdeck`]);
    expect(history.map(([revision]) => revision)).not.toContain(2);
  });

  it('/rollback to an explicit revision asks for confirmation, then restores it as kubectl rollout undo would', async () => {
    const refused = await driver.slashCommand({ command: '/rollback', text: 'orders production to 1', userId: 'U0ALICE', channelId: CHANNEL });
    expect(replyText(refused)).toContain('You may not roll back in production');

    const asked = await driver.slashCommand({ command: '/rollback', text: 'orders production to 1', userId: 'U0SRE', channelId: CHANNEL });
    expect(asked.status).toBe(200);
    expect(image()).toBe(`${REPO}:v2`);
    const id = await confirmDialog('U0SRE', 'Roll back *orders* in *production* to revision *1*?');
    const run = await settle(id, ['succeeded', 'failed', 'error']);
    expect(run.state, JSON.stringify(run.reason)).toBe('succeeded');
    expect(run.rollbackOf).toBeUndefined();
    expect(image()).toBe(`${REPO}:v1`);
    const history = replicaSetHistory();
    // Revision 1 was reused and renumbered, exactly like `kubectl rollout undo --to-revision=1`.
    expect(history.map(([revision]) => revision)).not.toContain(1);
    expect(history.at(-1)![0]).toBe(revisionNow());

    const unknown = await driver.slashCommand({ command: '/rollback', text: 'orders production to 99', userId: 'U0SRE', channelId: CHANNEL });
    expect(unknown.status).toBe(200);
    const failedId = await confirmDialog('U0SRE', 'to revision *99*');
    const failed = await settle(failedId, ['succeeded', 'failed', 'error']);
    expect(failed.state).toBe('error');
    expect(failed.reason).toContain('has no revision 99; its revisions are:');
    expect(image()).toBe(`${REPO}:v1`);
  });

  it('the Rollback button on a succeeded run restores what ran before it', async () => {
    const id = await deploy('v3');
    const done = await settle(id, ['succeeded', 'failed', 'error']);
    expect(done.state).toBe('succeeded');
    expect(image()).toBe(`${REPO}:v3`);
    const message = await waitUntil('the run message', async () => {
      const ts = (await store.get(id))?.messageTs;
      return ts ? slack.message(CHANNEL, ts) : undefined;
    });
    const click = await driver.clickButton({ userId: 'U0SRE', channelId: CHANNEL, messageTs: message.ts, actionId: 'run.rollback', value: id });
    expect(click.status).toBe(200);
    const rollbackId = await confirmDialog('U0SRE', `This undoes run #${id}`);
    const rollback = await settle(rollbackId, ['succeeded', 'failed', 'error']);
    expect(rollback.state, JSON.stringify(rollback.reason)).toBe('succeeded');
    expect((await settle(id, ['rolled-back', 'rollback-failed'])).state).toBe('rolled-back');
    expect(image()).toBe(`${REPO}:v1`);
  });

  it.skipIf(skipWithout(kubectlMissing, 'the kubectl history cross-check'))('kubectl rollout history shows the revisions and change-causes the rollbacks left', async () => {
    const held = replicaSetHistory();
    expect(held.some(([, cause]) => cause.startsWith('flightdeck rollback run #'))).toBe(true);
    expect(await kubectlHistory()).toEqual(held);
  });
});
