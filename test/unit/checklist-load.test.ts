import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadChecklist } from '../../src/checklist/load-checklist.js';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';

const ROOT = path.relative(process.cwd(), fileURLToPath(new URL('../..', import.meta.url))) || '.';
const FIX = path.join(ROOT, 'test/fixtures/config');

async function problemsOf(file: string): Promise<string[]> {
  const err = await loadChecklist(file).then(
    () => {
      throw new Error(`${file} was accepted`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FlightdeckError);
  expect((err as FlightdeckError).code).toBe('checklist-invalid');
  return (err as FlightdeckError).message.split('\n');
}

describe('loadChecklist', () => {
  it('reads the shipped standard checklist', async () => {
    const checklist = await loadChecklist(path.join(ROOT, 'checklists/standard.yaml'));
    expect(checklist.name).toBe('standard');
    expect(checklist.phases.map((phase) => phase.id)).toEqual(['pre-deployment', 'rollout', 'verification']);
    expect(checklist.phases[1]?.items).toEqual([
      { id: 'set-image', kind: 'step', action: 'set-image', title: 'Set the container image to the new version' },
      { id: 'wait-rollout', kind: 'step', action: 'wait-rollout', title: 'Wait until every replica runs the new version', timeout: '10m' },
    ]);
  });

  it.each([
    ['valid/checklists/standard.yaml', 'standard', '10m'],
    ['valid/checklists/careful.yml', 'careful', '15m'],
  ])('reads %s, named after the file, with wait-rollout timeout %s', async (file, name, timeout) => {
    const checklist = await loadChecklist(path.join(FIX, file));
    expect(checklist.name).toBe(name);
    const wait = checklist.phases.flatMap((phase) => phase.items).find((item) => item.kind === 'step' && item.action === 'wait-rollout');
    expect(wait).toMatchObject({ timeout });
  });

  const cases: [fixture: string, lines: string[]][] = [
    [
      'duplicate-item.yaml',
      [':12:13 phases[1].items[0].id: duplicate id "ci-green" (already used by an item in phase "before"; ids must be unique across the checklist) — give each one a different id'],
    ],
    [
      'bad-duration.yaml',
      [':9:18 phases[0].items[0].timeout: "ten minutes" is not valid — it must be a whole number and a unit: ms, s, m, h or d (e.g. 90s, 10m)'],
    ],
    [
      'unknown-key.yaml',
      [
        ':9:9 phases[0].items[0].Timeout: unknown key "Timeout" for action "wait-rollout" — did you mean "timeout"? (allowed keys: id, kind, title, action, timeout)',
        ':13:9 phases[0].items[1].owner: unknown key "owner" for kind "manual" — remove it (allowed keys: id, kind, title, role, requesterMayTick)',
      ],
    ],
    [
      'wrong-type.yaml',
      [
        ':6:13 phases[0].items[0].id: expected a string, got 7 — quote it: "7"',
        ':8:16 phases[0].items[0].title: expected a string, got a list — write a string here',
        ':11:17 phases[0].items[1].action: "restart" is not a known action — use one of set-image, wait-rollout, canary, traffic, bake, promote, smoke-job, job, preview, switch, scale-down',
        ':12:9 phases[0].items[2].kind: required key is missing — add kind: <one of manual, signoff, check, step>',
      ],
    ],
    [
      // Each step action has its own keys: a key another action needs is missing here and unknown there.
      'step-missing-field.yaml',
      [
        ':7:9 phases[0].items[1].weight: required key is missing for action "traffic" — add weight: <a number>',
        ':10:9 phases[0].items[2].image: required key is missing for action "smoke-job" — add image: <a string>',
      ],
    ],
    [
      'job-step-problems.yaml',
      [
        ':12:67 phases[0].items[0].env.DB_PASSWORD.secretKeyRef.optinal: unknown key "optinal" — did you mean "optional"? (allowed keys: name, key, optional)',
        ':10:20 phases[0].items[0].onFailure: "retry" is not allowed — use one of fail, continue',
        ':9:9 phases[0].items[0].timeout: unknown key "timeout" for action "job" — remove it (allowed keys: id, kind, title, action, image, command, args, env, envFrom, volumes, volumeMounts, serviceAccountName, deadline, backoffLimit, onFailure, revert, irreversible)',
      ],
    ],
    [
      'step-foreign-field.yaml',
      [
        ':9:9 phases[0].items[0].timeout: unknown key "timeout" for action "set-image" — remove it (allowed keys: id, kind, title, action)',
        ':15:9 phases[0].items[2].weight: unknown key "weight" for action "bake" — remove it (allowed keys: id, kind, title, action, duration)',
      ],
    ],
    ['syntax-error.yaml', [':5:1 (yaml syntax): Missing closing "quote — add the missing character']],
    [
      'name-mismatch.yaml',
      [':1:7 name: "standard" does not match the file name — change it to "name-mismatch", or rename the file to standard.yaml'],
    ],
  ];

  it.each(cases)('reports %s at file:line:col with its key path', async (fixture, lines) => {
    const file = path.join(FIX, 'checklists', fixture);
    expect(await problemsOf(file)).toEqual(lines.map((line) => `${file}${line}`));
  });

  it('reports a missing file', async () => {
    const file = path.join(FIX, 'checklists/absent.yaml');
    expect(await problemsOf(file)).toEqual([`${file}: file not found — create it, or correct the path`]);
  });
});
