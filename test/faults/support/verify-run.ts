import type { AuditEntry } from '../../../src/run/core/run-schema.js';
import { isTerminal } from '../../../src/run/core/run-schema.js';
import { renderRunMessage } from '../../../src/slack/render-run-message.js';
import { convergedAt, sameBlocks } from '../../support/message-convergence.js';
import { RENDER_LEASE_MS } from '../../../src/queue/notify/process-render.js';
import { waitUntil } from '../../support/wait-until.js';
import { FAULT_CHANNEL, FAULT_NAMESPACE, imageOf } from './fault-catalog.js';
import { ORIGINAL_VERSION, type FaultCluster } from './fault-cluster.js';

/** What became of one run, judged only from the outside: Redis, the Kubernetes API log, Slack. */
export interface RunVerdict {
  runId: string;
  service: string;
  state: string;
  outcome: 'survived' | 'lost' | 'duplicated';
  /** Every broken invariant, in words; empty when it survived. */
  problems: string[];
  /** PATCH requests the API server received for this run's Deployment (injected failures included). */
  patches: number;
  /**
   * From the run's terminal audit entry to the Slack write after which its message showed the final
   * rendering for good, ms (0 when it already did); undefined when it never converged.
   */
  messageLagMs: number | undefined;
  /** The bound that lag was held to (see {@link messageBoundMs}). */
  messageBoundMs: number;
}

export interface VerifyOptions {
  /** How long the run may take to end (and its message to show it). Default 60 s. */
  timeoutMs?: number;
  /** The terminal state expected; default `succeeded`. */
  expectState?: string;
  /** PATCHes the API server answered with an injected failure (they did not change anything). */
  failedPatches?: number;
}

const TERMINAL_ACTION = /^run\.(succeeded|failed|error|aborted|rolled-back|rollback-failed)$/;

const deploymentPath = (service: string) => `/apis/apps/v1/namespaces/${FAULT_NAMESPACE}/deployments/${service}`;

function count(entries: readonly AuditEntry[], action: string): number {
  return entries.filter((entry) => entry.action === action).length;
}

/**
 * Waits for the run to end, then checks every invariant a deploy bot owes: a terminal state, a complete audit
 * (requested, started, exactly one terminal entry), exactly one effective image patch and one new revision,
 * the rollback target as it was before the run, and one Slack message that shows the outcome.
 */
export async function verifyRun(cluster: FaultCluster, runId: string, service: string, version: string, options: VerifyOptions = {}): Promise<RunVerdict> {
  const problems: string[] = [];
  const duplicates: string[] = [];
  const timeoutMs = options.timeoutMs ?? 60_000;
  const expectState = options.expectState ?? 'succeeded';
  const run = await waitUntil(`run ${runId} to end`, async () => {
    const current = await cluster.store.get(runId);
    return current && isTerminal(current.state) ? current : undefined;
  }, timeoutMs).catch(async () => cluster.store.get(runId));
  const state = run?.state ?? 'missing';
  if (!run) problems.push('run document missing');
  else if (!isTerminal(run.state)) problems.push(`never ended (still ${run.state})`);
  else if (run.state !== expectState) problems.push(`ended ${run.state}, expected ${expectState}`);

  const audit = await cluster.store.audit(runId, 1000);
  if (count(audit, 'run.requested') !== 1) problems.push(`audit has ${count(audit, 'run.requested')} run.requested`);
  if (count(audit, 'run.started') !== 1) problems.push(`audit has ${count(audit, 'run.started')} run.started`);
  const terminal = audit.filter((entry) => TERMINAL_ACTION.test(entry.action));
  if (terminal.length === 0) problems.push('audit has no terminal entry');
  if (terminal.length > 1) duplicates.push(`audit has ${terminal.length} terminal entries`);

  const patches = cluster.k8s.requests.filter((request) => request.method === 'PATCH' && request.path === deploymentPath(service)).length;
  const effective = patches - (options.failedPatches ?? 0);
  if (expectState === 'succeeded') {
    if (effective === 0) problems.push('the image was never patched');
    if (effective > 1) duplicates.push(`${effective} image patches`);
    const deployment = cluster.k8s.getDeployment(FAULT_NAMESPACE, service);
    const image = deployment.spec.template.spec.containers[0].image;
    if (image !== imageOf(service, version)) problems.push(`Deployment runs ${image}`);
    const revision = deployment.metadata.annotations['deployment.kubernetes.io/revision'];
    if (revision !== '2') duplicates.push(`Deployment is at revision ${revision}, expected 2`);
  }
  const target = run?.rollbackTarget;
  if (run && expectState === 'succeeded' && (target?.image !== imageOf(service, ORIGINAL_VERSION) || target.revision !== '1')) {
    problems.push(`rollback target is ${target ? `${target.image} @ ${target.revision}` : 'missing'}`);
  }

  const message = await verifyMessage(cluster, runId, timeoutMs);
  if (run) problems.push(...message.problems);

  const title = `Deploy ${service} ${version} to`;
  const shown = await waitUntil(
    `run ${runId}'s message to show its outcome`,
    () => {
      const messages = cluster.slack.messages(FAULT_CHANNEL).filter((message) => message.text.includes(title));
      return messages.some((m) => m.blocks.some((block) => block.block_id === 'outcome')) ? messages : undefined;
    },
    timeoutMs,
  ).catch(() => cluster.slack.messages(FAULT_CHANNEL).filter((message) => message.text.includes(title)));
  if (shown.length === 0) problems.push('no Slack message');
  else if (shown.length > 1) duplicates.push(`${shown.length} Slack messages`);
  if (shown.length > 0 && !shown.some((m) => m.blocks.some((block) => block.block_id === 'outcome'))) problems.push('Slack message never showed the outcome');

  const outcome = problems.length > 0 ? 'lost' : duplicates.length > 0 ? 'duplicated' : 'survived';
  return { runId, service, state, outcome, problems: [...problems, ...duplicates], patches, messageLagMs: message.lagMs, messageBoundMs: message.boundMs };
}

/**
 * {@link verifyRun} for every run at once: a scenario whose runs are stuck reports them all after one
 * timeout, with the reasons, instead of spending one timeout per run and outliving the test's own limit.
 */
export function verifyRuns(cluster: FaultCluster, started: readonly { runId: string; service: string; version: string }[], options: VerifyOptions = {}): Promise<RunVerdict[]> {
  return Promise.all(started.map(({ runId, service, version }) => verifyRun(cluster, runId, service, version, options)));
}

/**
 * Whether the run's message came to show the run as it ended within {@link messageBoundMs} of its terminal
 * audit entry: the lag, the bound, and what broke in words (empty when it held).
 */
export async function verifyMessage(cluster: FaultCluster, runId: string, timeoutMs: number): Promise<{ lagMs: number | undefined; boundMs: number; problems: string[] }> {
  const converged = await messageConvergence(cluster, runId, timeoutMs);
  // The last terminal entry: a failed deploy that was rolled back ends `rolled-back` after `failed`.
  const terminalAt = (await cluster.store.audit(runId, 1000)).filter((entry) => TERMINAL_ACTION.test(entry.action)).at(-1)?.at;
  const lagMs = converged && terminalAt !== undefined ? Math.max(0, converged.at - terminalAt) : undefined;
  const boundMs = messageBoundMs(cluster);
  const problems: string[] = [];
  if (!converged) problems.push('Slack message never showed the run as it ended');
  else if (lagMs !== undefined && lagMs > boundMs) problems.push(`Slack message showed the run's end ${lagMs} ms after it, over the ${boundMs} ms bound`);
  return { lagMs, boundMs, problems };
}

/** Slack's pace in one channel (src/queue/notify/channel-pacer.ts). */
const CHANNEL_SPACING_MS = 1100;

/**
 * How long after its run ends a message may take to show it, by construction: the lag bound after which
 * its render goes ahead of the channel's line, one reconcile interval for the reconciler to notice, the
 * claim on the run in the render queue a killed worker may have left (its render lock lapses first), and one
 * channel turn for every run message in the channel (all of them may be late at once, one write a turn).
 */
export function messageBoundMs(cluster: FaultCluster): number {
  const env = (key: string) => Number(cluster.env[key]);
  const runMessages = cluster.slack.messages(FAULT_CHANNEL).filter((message) => message.metadata?.event_type === 'flightdeck_run').length;
  return env('MESSAGE_LAG_BOUND_MS') + env('RECONCILE_INTERVAL_MS') + RENDER_LEASE_MS + CHANNEL_SPACING_MS * runMessages;
}

/**
 * When the run's message came to show the run as it is now, for good: waits until the store says the
 * message shows the run's latest seq and the emulator's copy equals flightdeck's rendering of it, then
 * finds the first write (post or edit) of that message from which every write sent that rendering.
 */
async function messageConvergence(cluster: FaultCluster, runId: string, timeoutMs: number): Promise<{ at: number } | undefined> {
  const final = await waitUntil(
    `run ${runId}'s message to show the run`,
    async () => {
      const run = await cluster.store.get(runId);
      if (!run?.messageTs || (await cluster.store.renders.getRenderedSeq(runId)) < run.seq) return undefined;
      const expected = renderRunMessage(run).blocks;
      const stored = cluster.slack.message(FAULT_CHANNEL, run.messageTs);
      return stored && sameBlocks(stored.blocks, expected) ? { run, expected } : undefined;
    },
    timeoutMs,
  ).catch(() => undefined);
  if (!final) return undefined;
  const at = convergedAt(cluster.slack.calls, FAULT_CHANNEL, final.run.messageTs!, final.expected);
  return at === undefined ? undefined : { at };
}

/** Tallies verdicts into scenario counts, with each failure's reason kept for the notes, and the worst message lag in words. */
export function tally(verdicts: readonly RunVerdict[]): { survived: number; lost: number; duplicated: number; reasons: string[]; lag: string } {
  const lags = verdicts.filter((v) => v.messageLagMs !== undefined);
  const worst = lags.reduce<RunVerdict | undefined>((max, v) => (max === undefined || v.messageLagMs! > max.messageLagMs! ? v : max), undefined);
  return {
    lag: worst
      ? `worst message lag ${worst.messageLagMs} ms after the run ended (run #${worst.runId}; bound ${worst.messageBoundMs} ms)`
      : 'no message converged',
    survived: verdicts.filter((v) => v.outcome === 'survived').length,
    lost: verdicts.filter((v) => v.outcome === 'lost').length,
    duplicated: verdicts.filter((v) => v.outcome === 'duplicated').length,
    reasons: verdicts.filter((v) => v.outcome !== 'survived').map((v) => `run #${v.runId} (${v.service}) ${v.outcome}: ${v.problems.join(', ')}`),
  };
}
