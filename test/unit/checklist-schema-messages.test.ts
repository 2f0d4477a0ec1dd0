import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';

// The exact words `flightdeck check` prints for the checklist-wide rules that list what is declared.

const problems = (value: unknown) => checklistSchema.safeParse(value).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);

const jobStep = (extra: object) => ({ id: 'migrate', kind: 'step', action: 'job', command: ['alembic', 'upgrade', 'head'], ...extra });

describe('checklist messages that list what is declared', () => {
  it("name a job step's declared volumes, comma-separated, when a mount names another", () => {
    const checklist = {
      name: 'c',
      phases: [
        {
          id: 'db',
          title: 'DB',
          items: [
            jobStep({
              volumes: [
                { name: 'tmp', emptyDir: {} },
                { name: 'dumps', persistentVolumeClaim: { claimName: 'dumps' } },
              ],
              volumeMounts: [
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'backups', mountPath: '/backups' },
              ],
            }),
          ],
        },
      ],
    };
    expect(problems(checklist)).toEqual(['phases.0.items.0.volumeMounts.1.name: mounts volume "backups", which is not under this step\'s volumes (declared: tmp, dumps)']);
  });

  it('say "none" when the job step declares no volumes at all', () => {
    const checklist = { name: 'c', phases: [{ id: 'db', title: 'DB', items: [jobStep({ volumeMounts: [{ name: 'backups', mountPath: '/backups' }] })] }] };
    expect(problems(checklist)).toEqual(['phases.0.items.0.volumeMounts.0.name: mounts volume "backups", which is not under this step\'s volumes (declared: none)']);
  });

  it("name the checklist's roles, comma-separated, when a rollback plan item names another", () => {
    const checklist = {
      name: 'c',
      roles: { dba: 'Database administrators', sre: 'On call' },
      phases: [{ id: 'p', title: 'P', items: [{ id: 'ok', kind: 'manual', title: 'OK' }] }],
      rollbackPlan: [{ id: 'restore', kind: 'manual', title: 'Restore', role: 'dbas' }],
    };
    expect(problems(checklist)).toEqual(['rollbackPlan.0.role: role "dbas" is not declared under roles (declared: dba, sre)']);
  });

  it.each([
    [3, undefined],
    ['match-stable', undefined],
    ['half', ["phases.0.items.0.replicas: not a replica count — use a whole number from 1 to 100, or match-stable (the stable's replica count)"]],
    [0, ['phases.0.items.0.replicas: must be a whole number from 1 to 100, or match-stable']],
    [2.5, ["phases.0.items.0.replicas: not a replica count — use a whole number from 1 to 100, or match-stable (the stable's replica count)"]],
  ])('take a canary step of replicas %j, or say what it takes', (replicas, expected) => {
    const checklist = { name: 'c', phases: [{ id: 'c', title: 'C', items: [{ id: 'canary', kind: 'step', action: 'canary', replicas }] }] };
    expect(problems(checklist)).toEqual(expected);
  });
});
