import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStepOf } from '../../src/run/core/run-item-schema.js';
import type { Run } from '../../src/run/core/run-schema.js';
import type { RunStore } from '../../src/run/store/run-store.js';
import type { KubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import type { SlackDriver, SlackEmulator } from '../../sandbox/slack/index.js';
import { replyText } from '../support/reply-text.js';
import { runIdIn } from '../support/run-id-in.js';
import { startE2eWorld, type E2eWorld } from '../support/start-e2e-world.js';
import { waitForRunState } from '../support/wait-for-run-state.js';
import { waitUntil } from '../support/wait-until.js';
import { shownText } from '../support/shown-text.js';

/*
 * Issue 14, item 3: a `job` step's log in the run's thread. flightdeck runs as the chart's worker account
 * (its Role grants `get` on `pods/log`); the `locked` namespace also refuses that one permission, as a
 * cluster whose Role lacks it does.
 */

const CHANNEL = 'C0JOBLOG';
const REGISTRY = 'registry.example.com/acme';

const CATALOG = `
slack:
  defaultChannel: ${CHANNEL}
environments:
  streamed: { cluster: emulator, checklist: streamed }
  locked: { cluster: emulator, checklist: streamed }
services:
  reports: { namespace: shop, deployment: reports, container: reports, image: ${REGISTRY}/reports, environments: [streamed] }
  ledger: { namespace: locked, deployment: ledger, container: ledger, image: ${REGISTRY}/ledger, environments: [locked] }
`;

const STREAMED = `
name: streamed
phases:
  - id: rollout
    title: Rollout
    items:
      - { id: set-image, kind: step, action: set-image }
      - { id: wait, kind: step, action: wait-rollout, timeout: 30s }
      - { id: migrate, kind: step, action: job, title: Migrate, image: ${REGISTRY}/migrate:slow, command: [alembic, upgrade, head], deadline: 60s }
`;

/** Written over the pod's 9 s, so the step reads it several times while the Job runs; the Job then fails. */
const SLOW_LOG = Array.from({ length: 30 }, (_, i) => `INFO  migration step ${i + 1} of 30`).concat(['ERROR relation "orders" is locked']);

let world: E2eWorld;
let slack: SlackEmulator;
let k8s: KubernetesEmulator;
let driver: SlackDriver;
let store: RunStore;

async function deploy(text: string): Promise<string> {
  const response = await driver.slashCommand({ command: '/deploy', text, userId: 'U0ALICE', channelId: CHANNEL });
  return runIdIn(replyText(response));
}

const jobItem = (run: Run) => run.phases.flatMap((phase) => phase.items).find((item) => item.id === 'migrate') as RunStepOf<'job'>;
const threadTexts = async (id: string) => {
  const ts = (await store.get(id))?.messageTs ?? '';
  return slack.thread(CHANNEL, ts).map(shownText);
};
const filesOf = async (id: string) => {
  const ts = (await store.get(id))?.messageTs ?? '';
  return slack.files.filter((file) => file.threadTs === ts);
};
/** The lines of the fenced log in a reply. */
const fencedLines = (text: string) => /```\n?([\s\S]*?)\n?```/.exec(text)?.[1]?.split('\n') ?? [];

describe('job step logs', () => {
  beforeAll(async () => {
    world = await startE2eWorld({
      mode: 'http',
      catalog: CATALOG,
      checklists: { streamed: STREAMED },
      kubernetes: { readyDelayMs: 100 },
      slack: { channels: [CHANNEL] },
      deployments: [
        { namespace: 'shop', name: 'reports', container: 'reports', image: `${REGISTRY}/reports:v1`, replicas: 1 },
        { namespace: 'locked', name: 'ledger', container: 'ledger', image: `${REGISTRY}/ledger:v1`, replicas: 1 },
      ],
      beforeStart: ({ k8s: emu }) => {
        emu.jobOutcome({ image: `${REGISTRY}/migrate:slow` }, { succeed: false, exitCode: 3, logs: SLOW_LOG, runMs: 9000 });
        emu.forbid({ verb: 'get', resource: 'pods/log', namespace: 'locked' });
      },
    });
    ({ slack, k8s, driver, store } = world);
  });

  afterAll(async () => {
    expect(await world?.stop()).toBe(0);
  });

  let streamedRun = '';

  it('streams a running Job log into the thread, each line once and in order, shows its last lines in the message, and uploads the whole log of the failed Job as a file', async () => {
    const id = await deploy('reports v2 to streamed');
    streamedRun = id;
    // While the Job runs: lines already in the thread, read from a pod that has not ended.
    const early = await waitUntil('streamed log lines while the Job runs', async () => {
      const run = await store.get(id);
      const texts = await threadTexts(id);
      return run && jobItem(run).state === 'running' && texts.some((text) => text.includes('Log of job') && /lines? 1\b/.test(text)) ? texts : undefined;
    }, 60_000);
    expect(early.join('\n')).not.toContain('relation "orders" is locked');
    // …and the message shows the latest line of the running Job.
    const running = await waitUntil('the message to show the running Job and its latest line', async () => {
      const ts = (await store.get(id))?.messageTs;
      const blocks = ts ? JSON.stringify(slack.message(CHANNEL, ts)?.blocks ?? []) : '';
      return blocks.includes('log lines so far, the last: INFO  migration step') ? blocks : undefined;
    }, 60_000);
    expect(running).toMatch(/job reports-job-\d+-[0-9a-f]+-migrate running, \d+ log lines so far/);

    const run = await waitForRunState(store, id, ['succeeded', 'rolled-back', 'rollback-failed', 'error']);
    expect(run.state, JSON.stringify(run.reason)).toBe('rolled-back');
    expect(jobItem(run).outcome).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(jobItem(run).logStream).toEqual({ podName: jobItem(run).outcome!.podName, lines: SLOW_LOG.length });

    // The file of the whole log, after the failure's reply.
    const [file] = await waitUntil('the log file in the thread', async () => {
      const files = await filesOf(id);
      return files.length > 0 ? files : undefined;
    }, 60_000);
    expect(file!.content.toString('utf8')).toBe(SLOW_LOG.map((line) => `${line}\n`).join(''));
    expect(file!.title).toContain(`Log of job ${jobItem(run).outcome!.jobName}, pod ${jobItem(run).outcome!.podName}, for step Migrate of run #${id}, which failed`);

    // Every line reached the thread once, in order, in replies numbered from line 1 with no gap.
    const texts = await waitUntil('every streamed line in the thread', async () => {
      const all = await threadTexts(id);
      return all.join('\n').includes(SLOW_LOG.at(-1)!) ? all : undefined;
    }, 60_000);
    const streamed = texts.filter((text) => text.startsWith(':page_facing_up: Log of job'));
    expect(streamed.length).toBeGreaterThan(1);
    const starts = streamed.map((text) => Number(/lines? (\d+)/.exec(text)?.[1]));
    expect(streamed.flatMap(fencedLines)).toEqual(SLOW_LOG);
    expect(starts[0]).toBe(1);
    const failure = texts.findIndex((text) => text.startsWith(':x: Step *Migrate* failed'));
    expect(failure).toBeGreaterThan(texts.indexOf(streamed.at(-1)!));

    // The message shows how the Job ended and its last lines. A render of the running Job can show a line
    // with "relation" too, so the wait is for the outcome; a message never showing it fails the wait.
    const message = await waitUntil('the run message to show the failed Job', async () => {
      const ts = (await store.get(id))?.messageTs;
      const blocks = ts ? JSON.stringify(slack.message(CHANNEL, ts)?.blocks ?? []) : '';
      return blocks.includes('failed (exit 3)') ? blocks : undefined;
    }, 60_000);
    expect(message).toContain('relation');
  });

  it('posts the whole log again on request, through the gate, audited', async () => {
    expect(streamedRun).not.toBe('');
    const response = await driver.slashCommand({ command: '/deploy', text: `log ${streamedRun} migrate`, userId: 'U0BOB', channelId: CHANNEL });
    expect(replyText(response)).toContain(`for step \`migrate\` is being posted as a file in the thread of run #${streamedRun}`);
    const requested = await waitUntil('the requested log file', async () => (await filesOf(streamedRun)).find((file) => file.title.endsWith('asked for by U0BOB')), 60_000);
    expect(requested.content.toString('utf8')).toBe(SLOW_LOG.map((line) => `${line}\n`).join(''));
    const audit = await store.audit(streamedRun, 500);
    expect(audit).toContainEqual(expect.objectContaining({ actor: 'U0BOB', action: 'job-log.requested', detail: `/deploy log ${streamedRun} migrate` }));

    const notJob = await driver.slashCommand({ command: '/deploy', text: `log ${streamedRun} wait`, userId: 'U0BOB', channelId: CHANNEL });
    expect(replyText(notJob)).toContain('is not a `job` step, so it has no Job log. Its job steps: `migrate`.');
  });

  it('without get on pods/log, the failed Job says so, with the permission to add, where its log would be', async () => {
    const id = await deploy('ledger v2 to locked');
    const run = await waitForRunState(store, id, ['succeeded', 'rolled-back', 'rollback-failed', 'error'], 60_000);
    expect(run.state, JSON.stringify(run.reason)).toBe('rolled-back');
    expect(jobItem(run).detail).toContain('(no log: Not allowed to get log of pod locked/');
    const texts = await waitUntil('the unreadable log said in the thread', async () => {
      const all = await threadTexts(id);
      return all.some((text) => text.includes('could not be posted')) ? all : undefined;
    }, 60_000);
    const said = texts.find((text) => text.includes('could not be posted'))!;
    expect(said).toContain('cannot get resource "pods/log" in API group "" in the namespace "locked"');
    expect(said).toContain('Missing permission: get pods/log in namespace locked');
    expect(await filesOf(id)).toEqual([]);
    // The step did ask the API server for the log.
    expect(k8s.requests.some((request) => request.path.startsWith('/api/v1/namespaces/locked/pods/') && request.path.endsWith('/log'))).toBe(true);
  });
});
