import type { Job } from 'bullmq';
import { resolveTarget } from '../../config/resolve-target.js';
import { catalogFreezes, windowStateAt } from '../../deploy-windows/window-state.js';
import { dryRunWrites } from '../../k8s/dry-run-writes.js';
import { readDeploymentSnapshot } from '../../k8s/read-deployment-snapshot.js';
import { isFlightdeckError } from '../../errors/flightdeck-error.js';
import { catalogued } from '../../errors/error-catalogue.js';
import type { WorkerDeps } from '../engine/worker-deps.js';
import { assembleDryRunPlan, dryRunChangeCause, plannedWrites, type PlannedLock } from './dry-run-plan.js';
import { replayGuards } from './replay-guards.js';
import { answerToOf, dryRunJobSchema } from './dry-run-job.js';
import type { DryRunDeps, DryRunReplier } from './dry-run-replier.js';

/**
 * `dry-run` jobs on the steps queue: works out what `/deploy … --dry-run` asked for — the server-side dry run
 * of every write, the rollback target it would pin, the checklist, sign-offs, lock and deploy window — and
 * posts it to the requester. Nothing is written: no run, no lock, no cluster object. A coded refusal (the
 * cluster forbids a write, the Deployment is missing) is the answer rather than a failure; anything else is
 * thrown, so BullMQ retries it.
 */
export function createDryRunProcessor(deps: Pick<WorkerDeps, 'store' | 'clusters' | 'logger' | 'now'>, dryRun: DryRunDeps) {
  return async (job: Job): Promise<void> => {
    const request = dryRunJobSchema.parse(job.data);
    const { catalog, checklists } = dryRun.config;
    let outcome: Parameters<DryRunReplier['reply']>[1];
    try {
      const target = resolveTarget(catalog, request.service, request.environment);
      const environment = catalog.environments[request.environment]!;
      const checklist = checklists.get(environment.checklist);
      if (!checklist) throw catalogued('checklist-not-loaded', { checklist: environment.checklist, environment: request.environment });
      const client = deps.clusters.forContext(target.cluster);
      const ref = { namespace: target.namespace, deployment: target.deployment, container: target.container };
      const image = `${target.repository}:${request.version}`;
      const route = target.traffic ? { namespace: target.namespace, ...target.traffic } : undefined;
      const changeCause = dryRunChangeCause(request.service, request.version, request.environment, request.requestedBy);
      const snapshot = await readDeploymentSnapshot(client, ref);
      const writes = await dryRunWrites(client, plannedWrites(checklist, { ref, image, changeCause }, route));
      const now = deps.now();
      const timeZone = environment.deployWindows?.timeZone ?? 'UTC';
      const declared = await dryRun.freezes.active(request.environment, now);
      const window = windowStateAt(environment.deployWindows, [...catalogFreezes(environment.freezes, timeZone), ...(declared ? [declared] : [])], now);
      const plan = assembleDryRunPlan({
        request: { service: request.service, environment: request.environment, version: request.version, image },
        checklist,
        roles: catalog.roles,
        writes,
        lock: await lockOf(deps, request.service, request.environment),
        window,
        rollbackTarget: { revision: snapshot.revision, image: snapshot.image },
        replay: { rangeMs: request.replayMs, guards: await replayGuards(dryRun.fetch, checklist, target.prometheusUrl, request.replayMs, now) },
      });
      outcome = { plan };
    } catch (err) {
      if (!isFlightdeckError(err)) throw err;
      outcome = { error: err };
    }
    await dryRun.replier.reply(answerToOf(request), outcome);
    deps.logger.info({ service: request.service, environment: request.environment, version: request.version, ok: 'plan' in outcome }, 'dry run answered');
  };
}

async function lockOf(deps: Pick<WorkerDeps, 'store'>, service: string, environment: string): Promise<PlannedLock> {
  const held = (await deps.store.locks()).find((lock) => lock.service === service && lock.environment === environment);
  if (!held) return { kind: 'free' };
  const { holder } = held;
  if (holder.kind === 'run') return { kind: 'run', runId: holder.run.id, version: holder.run.version, requestedBy: holder.run.requestedBy };
  if (holder.kind === 'manual') return { kind: 'person', by: holder.by, reason: holder.reason };
  return { kind: 'person', by: 'unknown', reason: holder.value };
}
