import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { OLDEST_RUN_SCHEMA_VERSION, RUN_MIGRATIONS } from '../../src/run/core/run-migrations.js';
import { runRef } from '../../src/run/core/run-ref.js';
import { RUN_SCHEMA_VERSION, runSchema, type Run } from '../../src/run/core/run-schema.js';
import { parseRun, serializeRun } from '../../src/run/store/parse-run.js';

// Documents as a released flightdeck stored them, one file per older version at least (see the README there).
const FIXTURES = join(import.meta.dirname, '../fixtures/run-documents');
const stored = readdirSync(FIXTURES)
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({ file, text: readFileSync(join(FIXTURES, file), 'utf8') }))
  .map(({ file, text }) => ({ file, text, doc: JSON.parse(text) as Record<string, unknown> & { schemaVersion: number } }));
const v2 = stored.find(({ file }) => file === 'v2-production-paused.json')!;
const v3 = stored.find(({ file }) => file === 'v3-production-paused-uid.json')!;
const v4 = stored.find(({ file }) => file === 'v4-production-paused-job.json')!;
const v4Migration = stored.find(({ file }) => file === 'v4-production-migration-step.json')!;
const v4Commit = stored.find(({ file }) => file === 'v4-production-paused-commit.json')!;
const v5 = stored.find(({ file }) => file === 'v5-production-job-log-stream.json')!;

/** The version 3 fixture's run with a `job` step put in place of its first step. */
function withJobStep(run: Run): Run {
  const step = run.phases.flatMap((phase) => phase.items).find((item) => item.kind === 'step');
  if (!step) throw new Error('the fixture has no step');
  const job = { id: step.id, kind: 'step' as const, title: 'Migrate', state: 'pending' as const, action: 'job' as const, job: { image: 'reg/migrate:1', backoffLimit: 0 }, timeoutMs: 60_000, onFailure: 'fail' as const };
  return { ...run, phases: run.phases.map((phase) => ({ ...phase, items: phase.items.map((item) => (item === step ? job : item)) })) };
}

/** The version 3 fixture's run with its first step a blue-green `action` (fields as toRunItem makes them). */
function withBlueGreenStep(run: Run, action: 'preview' | 'switch' | 'scale-down' | 'switch-back' | 'retire-preview'): Run {
  const step = run.phases.flatMap((phase) => phase.items).find((item) => item.kind === 'step');
  if (!step) throw new Error('the fixture has no step');
  const base = { id: step.id, kind: 'step' as const, title: 'Blue-green', state: 'pending' as const };
  const replaced =
    action === 'preview'
      ? { ...base, action, timeoutMs: 60_000 }
      : action === 'scale-down'
        ? { ...base, action, delayMs: 1_800_000, timeoutMs: 60_000 }
        : { ...base, action };
  return { ...run, phases: run.phases.map((phase) => ({ ...phase, items: phase.items.map((item) => (item === step ? replaced : item)) })) };
}

/**
 * The stored shape of each version: a hash of its JSON Schema (items, guards and probes included). When the
 * shape changes, bump RUN_SCHEMA_VERSION, add the migration from the previous version — its `down` must
 * refuse a run that uses what the previous version would drop when it writes the run back — store a
 * document of the previous version in test/fixtures/run-documents, note it in CHANGELOG.md, then record the
 * new hash here. Without the bump, pods of the previous version would silently drop the new fields of runs
 * they advance during a rolling upgrade. A change that adds nothing to what is written and still reads every
 * stored document of this version (a stricter type for what was always written; the fixtures here must still
 * parse) needs no bump: record the new hash and say why in the commit.
 */
const SHAPE_OF_VERSION: Record<number, string> = { 3: '92112b4589442ed3', 4: 'a2939e6334bc2876', 5: 'c7c89140f2c40e37', 6: '67cc81772ca0f947' };
const shapeHash = () => createHash('sha256').update(JSON.stringify(z.toJSONSchema(runSchema, { io: 'input', unrepresentable: 'any' }))).digest('hex').slice(0, 16);

describe('the run schema migrations', () => {
  it('come with a version bump whenever the stored shape changes', () => {
    expect(shapeHash(), `the run schema's shape changed: bump RUN_SCHEMA_VERSION (${RUN_SCHEMA_VERSION}) and see SHAPE_OF_VERSION`).toBe(SHAPE_OF_VERSION[RUN_SCHEMA_VERSION]);
  });

  it('form one chain from the oldest version read to the current one, each tested with a stored document', () => {
    for (let version = OLDEST_RUN_SCHEMA_VERSION; version < RUN_SCHEMA_VERSION; version++) {
      expect(RUN_MIGRATIONS[version], `migration from ${version}`).toBeDefined();
      expect(stored.map(({ doc }) => doc.schemaVersion), `a fixture of version ${version}`).toContain(version);
    }
    expect(Object.keys(RUN_MIGRATIONS).map(Number).sort()).toEqual(
      Array.from({ length: RUN_SCHEMA_VERSION - OLDEST_RUN_SCHEMA_VERSION }, (_, i) => OLDEST_RUN_SCHEMA_VERSION + i),
    );
  });

  it.each(stored.map(({ file, text }) => [file, text]))('read %s as the current version', (_, text) => {
    const run = parseRun(text);
    expect(run.schemaVersion).toBe(RUN_SCHEMA_VERSION);
  });

  it('keep every field of a version 2 run and give it no uid, so its objects keep their names', () => {
    const run = parseRun(v2.text);
    const { schemaVersion: _before, ...fields } = v2.doc;
    const { schemaVersion: _after, ...migrated } = run;
    expect(migrated).toEqual(fields);
    expect(run.uid).toBeUndefined();
    expect(runRef(run)).toBe('1');
    expect(run).toMatchObject({ state: 'paused', seq: 7, paused: { from: 'running', by: 'U0BOB', reason: 'waiting for the database team' } });
  });

  it('write a run without a uid back at version 2, field for field, for the older pods of a rolling upgrade', () => {
    const written = JSON.parse(serializeRun(parseRun(v2.text))) as unknown;
    expect(written).toEqual(v2.doc);
  });

  it('write a run with a uid at version 3, and read it back unchanged', () => {
    const run = { ...parseRun(v2.text), uid: '3f9c2a1b0d' };
    const written = JSON.parse(serializeRun(run)) as { schemaVersion: number };
    expect(written.schemaVersion).toBe(3);
    expect(parseRun(JSON.stringify(written))).toEqual(run);
    expect(runRef(run)).toBe('1-3f9c2a1b0d');
  });

  it('write a run of version 3 with no job step back at version 3, field for field, for the older pods of a rolling upgrade', () => {
    expect(v3.doc.schemaVersion).toBe(3);
    expect(JSON.parse(serializeRun(parseRun(v3.text)))).toEqual(v3.doc);
  });

  it('write a run with a job step at version 4, which version 3 refuses to read, and read it back unchanged', () => {
    const run = withJobStep(parseRun(v3.text));
    const written = JSON.parse(serializeRun(run)) as { schemaVersion: number };
    expect(written.schemaVersion).toBe(4);
    expect(parseRun(JSON.stringify(written))).toEqual(run);
  });

  it('write a run of version 4 with no replica-mode canary back at version 4, field for field, for the older pods of a rolling upgrade', () => {
    expect(v4Commit.doc.schemaVersion).toBe(4);
    expect(JSON.parse(serializeRun(parseRun(v4Commit.text)))).toEqual(v4Commit.doc);
  });

  it.each([
    ['a target whose traffic is one Service (replica mode)', (run: Run) => ({ ...run, target: { ...run.target, traffic: { service: 'checkout' } } })],
    [
      'a canary step of match-stable replicas',
      (run: Run) => ({
        ...run,
        phases: run.phases.map((phase) => ({ ...phase, items: phase.items.map((item) => (item.kind === 'step' && item.action === 'canary' ? { ...item, replicas: 'match-stable' as const } : item)) })),
      }),
    ],
  ])('write a run with %s at version 5, which version 4 would refuse, and read it back unchanged', (_, change) => {
    const run = change(parseRun(v4Commit.text));
    const written = JSON.parse(serializeRun(run)) as { schemaVersion: number };
    expect(written.schemaVersion).toBe(5);
    expect(RUN_MIGRATIONS[4]!.down(written as Record<string, unknown>)).toBeUndefined();
    expect(parseRun(JSON.stringify(written))).toEqual(run);
  });

  it('write a run of version 5 without closing notes back at version 5, field for field, for the older pods of a rolling upgrade', () => {
    expect(v5.doc.schemaVersion).toBe(5);
    expect(JSON.parse(serializeRun(parseRun(v5.text)))).toEqual(v5.doc);
  });

  it('write a run with closing notes at version 6, which version 5 would drop, and read it back unchanged', () => {
    const run: Run = { ...parseRun(v5.text), closingNotes: [{ kind: 'run-succeeded', runId: '1', image: 'reg/api:2', environment: 'production' }] };
    const written = JSON.parse(serializeRun(run)) as { schemaVersion: number };
    expect(written.schemaVersion).toBe(6);
    expect(RUN_MIGRATIONS[5]!.down(written as Record<string, unknown>)).toBeUndefined();
    expect(parseRun(JSON.stringify(written))).toEqual(run);
  });

  it('write a run of version 4 with a job step that says nothing of undoing it back at version 4, field for field', () => {
    expect(v4Migration.doc.schemaVersion).toBe(4);
    expect(JSON.parse(serializeRun(parseRun(v4Migration.text)))).toEqual(v4Migration.doc);
  });

  it.each([
    ['a revert', { revert: { image: 'reg/migrate:1', command: ['alembic', 'downgrade', '41'], backoffLimit: 0, timeoutMs: 60_000 } }],
    ['irreversible: true', { irreversible: true as const }],
  ])('write a run whose job step declares %s at version 5, which version 4 would drop, and read it back unchanged', (_, declared) => {
    const plain = withJobStep(parseRun(v3.text));
    const run = { ...plain, phases: plain.phases.map((phase) => ({ ...phase, items: phase.items.map((item) => (item.kind === 'step' && item.action === 'job' ? { ...item, ...declared } : item)) })) };
    const written = JSON.parse(serializeRun(run)) as { schemaVersion: number };
    expect(written.schemaVersion).toBe(5);
    expect(RUN_MIGRATIONS[4]!.down(written as Record<string, unknown>)).toBeUndefined();
    expect(parseRun(JSON.stringify(written))).toEqual(run);
  });

  it('write a run of version 4 without a watch back at version 4, field for field, for the older pods of a rolling upgrade', () => {
    expect(v4.doc.schemaVersion).toBe(4);
    expect(JSON.parse(serializeRun(parseRun(v4.text)))).toEqual(v4.doc);
  });

  it.each([
    ['an open day-after watch', (run: Run) => ({ ...run, state: 'succeeded' as const, watch: { startedAt: 1, until: 2 } })],
    ['a watch that ended', (run: Run) => ({ ...run, state: 'succeeded' as const, watch: { startedAt: 1, until: 2, end: { kind: 'superseded' as const, runId: '9' }, endedAt: 2 } })],
    [
      "a guard's watch settings",
      (run: Run) => ({
        ...run,
        guards: [{ id: 'errors', title: 'Errors', probe: { type: 'tcp' as const, host: 'db', port: 5432 }, forMs: 0, intervalMs: 1000, action: 'rollback' as const, noData: 'inconclusive' as const, onError: 'inconclusive' as const, watch: { windowMs: 86_400_000, probe: { type: 'tcp' as const, host: 'db', port: 5432 }, forMs: 0, intervalMs: 60_000, action: 'page' as const } }],
      }),
    ],
    ["a follow-up phase's onFailure", (run: Run) => ({ ...run, phases: run.phases.map((phase, i) => (i === 0 ? { ...phase, afterMs: 3_600_000, onFailure: 'page' as const } : phase)) })],
  ])('write a run with %s at version 5, which version 4 would drop, and read it back unchanged', (_, change) => {
    const run = change(parseRun(v4.text));
    const written = JSON.parse(serializeRun(run)) as { schemaVersion: number };
    expect(written.schemaVersion).toBe(5);
    expect(RUN_MIGRATIONS[4]!.down(written as Record<string, unknown>)).toBeUndefined();
    expect(parseRun(JSON.stringify(written))).toEqual(run);
  });

  it('write a run whose job step streamed its log at version 5, which version 4 would drop the offset of, and read it back unchanged', () => {
    const plain = withJobStep(parseRun(v3.text));
    const run = { ...plain, phases: plain.phases.map((phase) => ({ ...phase, items: phase.items.map((item) => (item.kind === 'step' && item.action === 'job' ? { ...item, logStream: { podName: 'p-abcde', lines: 40 } } : item)) })) };
    const written = JSON.parse(serializeRun(run)) as { schemaVersion: number };
    expect(written.schemaVersion).toBe(5);
    expect(RUN_MIGRATIONS[4]!.down(written as Record<string, unknown>)).toBeUndefined();
    expect(parseRun(JSON.stringify(written))).toEqual(run);
  });

  it('write the version 4 fixture back at version 4, field for field', () => {
    const v4 = stored.find(({ file }) => file === 'v4-production-job-step.json')!;
    expect(JSON.parse(serializeRun(parseRun(v4.text)))).toEqual(v4.doc);
  });

  it.each([
    ['a preview step', (run: Run) => withBlueGreenStep(run, 'preview')],
    ['a switch step', (run: Run) => withBlueGreenStep(run, 'switch')],
    ['a scale-down step', (run: Run) => withBlueGreenStep(run, 'scale-down')],
    ['a switch-back step', (run: Run) => withBlueGreenStep(run, 'switch-back')],
    ['a retire-preview step', (run: Run) => withBlueGreenStep(run, 'retire-preview')],
    ['a target with blueGreen Services', (run: Run) => ({ ...run, target: { ...run.target, blueGreen: { activeService: 'web', previewService: 'web-preview' } } })],
  ])('write a run with %s at version 4, which version 3 would refuse or drop, and read it back unchanged', (_, change) => {
    const run = change(parseRun(v3.text));
    const written = JSON.parse(serializeRun(run)) as { schemaVersion: number };
    expect(written.schemaVersion).toBe(4);
    expect(RUN_MIGRATIONS[3]!.down(written as Record<string, unknown>)).toBeUndefined();
    expect(parseRun(JSON.stringify(written))).toEqual(run);
  });

  it.each([
    ['a reason that is data', (run: Run) => ({ ...run, state: 'aborted' as const, reason: { kind: 'aborted' as const, by: 'U0BOB' } })],
    [
      'a sign-off\'s expired approvals',
      (run: Run) => {
        const signoff = run.phases.flatMap((phase) => phase.items).find((item) => item.kind === 'signoff');
        if (!signoff) throw new Error('the version 2 fixture has no sign-off');
        return { ...run, phases: run.phases.map((phase) => ({ ...phase, items: phase.items.map((item) => (item === signoff ? { ...item, expired: [{ by: 'U0BOB', at: 1 }] } : item)) })) };
      },
    ],
  ])('write a run without a uid but with %s at version 3: version 2 would refuse it', (_, change) => {
    const run = change(parseRun(v2.text)) as Run;
    const written = JSON.parse(serializeRun(run)) as { schemaVersion: number };
    expect(written.schemaVersion).toBe(3);
    expect(parseRun(JSON.stringify(written))).toEqual(run);
  });

  it.each([
    ['a newer version', { ...v2.doc, schemaVersion: RUN_SCHEMA_VERSION + 1 }, `version ${RUN_SCHEMA_VERSION + 1}`],
    ['version 1 (no schemaVersion, before any release)', (({ schemaVersion: _, ...rest }) => rest)(v2.doc), 'version 1'],
    ['a version that is not a number', { ...v2.doc, schemaVersion: '2' }, 'version 2'],
  ])('refuse %s, naming the run and the versions read', (_, doc, named) => {
    const read = () => parseRun(JSON.stringify(doc));
    expect(read).toThrow(FlightdeckError);
    expect(read).toThrow(`Run 1 was stored with run schema ${named}; this flightdeck reads versions ${OLDEST_RUN_SCHEMA_VERSION} to ${RUN_SCHEMA_VERSION}.`);
  });
});
