import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createLogger } from '../../src/observability/create-logger.js';
import { RunEngine } from '../../src/queue/engine/run-engine.js';
import { createRun } from '../../src/run/core/create-run.js';
import { runRef } from '../../src/run/core/run-ref.js';
import { useStoreWithQueues } from '../support/store-with-queues.js';

// The guards' start and stop jobs run for a rollout with guards to evaluate or whose service PagerDuty hears of;
// for any other they would only read the run and stop, so none is queued.

const T0 = Date.now();
const target = { cluster: 'c', namespace: 'shop', deployment: 'api', container: 'api', image: 'reg/api:v2' };
const rollout = { id: 'rollout', title: 'Rollout', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }] };
const guard = { id: 'errors', title: 'Error rate', probe: { type: 'prometheus', query: 'rate(x[1m])', above: 0.05 }, for: '2m', action: 'rollback' };

const world = useStoreWithQueues('test-guard-jobs');

/** Starts a run of `service` and lets it succeed; returns which guards' jobs the engine queued. */
async function guardJobsOf(service: string, guards: unknown[], paged: (service: string) => boolean): Promise<string[]> {
  const { store, queues } = world();
  const engine = new RunEngine({ store, queues, now: () => T0, logger: createLogger('silent'), paged });
  const checklist = checklistSchema.parse({ name: 'release', phases: [rollout], guards });
  const id = await store.nextRunId();
  const run = createRun({ id, service, environment: 'prod', version: 'v2', target, requestedBy: 'U0ALICE', channel: 'C0DEPLOY', checklist }, T0);
  await store.create(run, []);
  await engine.apply(id, { type: 'start', actor: 'U0ALICE' });
  const succeeded = await engine.apply(id, { type: 'step-succeeded', itemId: 'set-image', detail: 'set' });
  expect(succeeded.state).toBe('succeeded');
  const ids = [`guards-start-${runRef(succeeded)}`, `guards-stop-${runRef(succeeded)}`];
  const queued = await Promise.all(ids.map(async (jobId) => ((await queues.guards.getJob(jobId)) ? jobId.split('-').slice(0, 2).join('-') : undefined)));
  return queued.filter((name) => name !== undefined);
}

describe('the guards’ start and stop jobs', () => {
  it('are queued for a rollout with guards, and for one PagerDuty hears of', async () => {
    expect(await guardJobsOf('api', [guard], () => false)).toEqual(['guards-start', 'guards-stop']);
    expect(await guardJobsOf('api', [], (service) => service === 'api')).toEqual(['guards-start', 'guards-stop']);
  });

  it('are not queued for a rollout with no guards whose service PagerDuty does not hear of', async () => {
    expect(await guardJobsOf('api', [], () => false)).toEqual([]);
  });
});
