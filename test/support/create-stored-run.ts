import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { Run } from '../../src/run/core/run-schema.js';
import type { RunStore } from '../../src/run/store/run-store.js';

/** Stores a new run of `service` to production (a one-item manual checklist, channel `channel`) and returns it. */
export async function createStoredRun(store: RunStore, service: string, channel: string): Promise<Run> {
  const checklist = checklistSchema.parse({ name: 'render', phases: [{ id: 'go', title: 'Go', items: [{ id: 'check', kind: 'manual', title: 'Looks good' }] }] });
  const run = createRun(
    {
      id: await store.nextRunId(),
      service,
      environment: 'production',
      version: '1.2.3',
      target: { cluster: 'emu', namespace: 'shop', deployment: service, container: service, image: `reg/${service}:1.2.3` },
      requestedBy: 'U0ALICE',
      channel,
      checklist,
    },
    Date.now(),
  );
  const created = await store.create(run, []);
  if (!created.created) throw new Error(`run of ${service} not created: the target is locked`);
  return created.run;
}
