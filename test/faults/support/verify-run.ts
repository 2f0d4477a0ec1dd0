import type { AuditEntry } from '../../../src/run/core/run-schema.js';
import { isTerminal } from '../../../src/run/core/run-schema.js';
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
}

export interface VerifyOptions {
  /** How long the run may take to end (and its message to show it). Default 60 s. */
  timeoutMs?: number;
  /** The terminal state expected; default `succeeded`. */
  expectState?: string;
  /** PATCHes the API server answered with an injected failure (they did not change anything). */
  failedPatches?: number;
}

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
  const terminal = audit.filter((entry) => /^run\.(succeeded|failed|error|aborted|rolled-back|rollback-failed)$/.test(entry.action));
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
  return { runId, service, state, outcome, problems: [...problems, ...duplicates], patches };
}

/** Tallies verdicts into scenario counts, with each failure's reason kept for the notes. */
export function tally(verdicts: readonly RunVerdict[]): { survived: number; lost: number; duplicated: number; reasons: string[] } {
  return {
    survived: verdicts.filter((v) => v.outcome === 'survived').length,
    lost: verdicts.filter((v) => v.outcome === 'lost').length,
    duplicated: verdicts.filter((v) => v.outcome === 'duplicated').length,
    reasons: verdicts.filter((v) => v.outcome !== 'survived').map((v) => `run #${v.runId} (${v.service}) ${v.outcome}: ${v.problems.join(', ')}`),
  };
}
