import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { createRun, type CreateRunInput } from '../../src/run/core/create-run.js';

// `--emergency`: the run records who asked and why, waits first in a phase of its own for a second person's
// approval, and confirms every sign-off in a dialog whatever the environment says.

const T0 = Date.UTC(2026, 11, 5, 9, 0, 0);
const checklist = checklistSchema.parse({ name: 'std', phases: [{ id: 'deploy', title: 'Deploy', items: [{ id: 'set-image', kind: 'step', action: 'set-image' }] }] });
const input: CreateRunInput = {
  id: '12',
  service: 'api',
  environment: 'production',
  version: '2.0.0',
  target: { cluster: 'prod', namespace: 'shop', deployment: 'api', container: 'api', image: 'registry/api:2.0.0' },
  requestedBy: 'U1',
  channel: 'C1',
  checklist,
};
const emergency = { reason: 'checkout is down', approver: 'sre-lead' };

describe('an emergency run as created', () => {
  it('records the reason and the requester', () => {
    expect(createRun({ ...input, emergency }, T0).emergency).toEqual({ reason: 'checkout is down', by: 'U1' });
  });

  it('starts with the emergency phase: one pending sign-off by the approver role, not the requester, nobody approved yet', () => {
    const run = createRun({ ...input, emergency }, T0);
    expect(run.phases.map((phase) => phase.id)).toEqual(['emergency', 'deploy']);
    expect(run.phases[0]).toEqual({
      id: 'emergency',
      title: 'Emergency override',
      state: 'pending',
      items: [
        {
          id: 'emergency-second-approval',
          kind: 'signoff',
          title: 'A second person approves this emergency deploy: checkout is down',
          state: 'pending',
          role: 'sre-lead',
          quorum: 1,
          allowSelf: false,
          approvals: [],
        },
      ],
    });
  });

  it('confirms sign-offs in a dialog even where the environment does not ask to, and leaves the start as configured', () => {
    expect(createRun({ ...input, emergency }, T0).confirm).toEqual({ start: false, signoffs: true });
    expect(createRun({ ...input, emergency, confirm: { start: true, signoffs: false } }, T0).confirm).toEqual({ start: true, signoffs: true });
  });
});

describe('an ordinary run as created', () => {
  it('has no emergency, no emergency phase, and confirms sign-offs only as configured', () => {
    const run = createRun(input, T0);
    expect(run).not.toHaveProperty('emergency');
    expect(run.phases.map((phase) => phase.id)).toEqual(['deploy']);
    expect(run.confirm).toEqual({ start: false, signoffs: false });
  });
});
