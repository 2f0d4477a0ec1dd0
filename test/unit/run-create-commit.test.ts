import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRun, type CreateRunInput } from '../../src/run/core/create-run.js';

// The commit CI reports through the API stays on the run: the four keys' lead time is measured from it.

const checklist = checklistSchema.parse({ name: 'std', phases: [{ id: 'deploy', title: 'Deploy', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }] }] });
const input: CreateRunInput = {
  id: '3',
  service: 'api',
  environment: 'production',
  version: '2.0.0',
  target: { cluster: 'prod', namespace: 'shop', deployment: 'api', container: 'api', image: 'registry/api:2.0.0' },
  requestedBy: 'api:ci',
  channel: 'C1',
  checklist,
};

describe('a run created with the commit CI reported', () => {
  it('keeps the sha and the commit time as given, each without the other too', () => {
    expect(createRun({ ...input, commit: { sha: '3f2c1ab9', at: 1_000 } }, 5_000).commit).toEqual({ sha: '3f2c1ab9', at: 1_000 });
    expect(createRun({ ...input, commit: { at: 1_000 } }, 5_000).commit).toEqual({ at: 1_000 });
    expect(createRun({ ...input, commit: { sha: '3f2c1ab9' } }, 5_000).commit).toEqual({ sha: '3f2c1ab9' });
  });

  it('holds no commit when none or an empty one was given, so the stored run keeps its older shape', () => {
    expect(createRun(input, 5_000)).not.toHaveProperty('commit');
    expect(createRun({ ...input, commit: {} }, 5_000)).not.toHaveProperty('commit');
  });

  it('copies the commit rather than sharing the caller’s object', () => {
    const commit = { sha: '3f2c1ab9', at: 1_000 };
    const run = createRun({ ...input, commit }, 5_000);
    commit.at = 2_000;
    expect(run.commit?.at).toBe(1_000);
  });
});
