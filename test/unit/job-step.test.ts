import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { jobManifest } from '../../src/k8s/job-manifest.js';
import { createRun } from '../../src/run/core/create-run.js';
import type { JobReport, RunEvent } from '../../src/run/core/run-event.js';
import type { RunStepOf } from '../../src/run/core/run-item-schema.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { transition } from '../../src/run/core/transition.js';
import { itemLine } from '../../src/slack/views/item-line.js';
import { wordThreadNote } from '../../src/slack/views/word-thread-note.js';

const T0 = Date.UTC(2026, 11, 5, 9, 0, 0);
const target = { cluster: 'prod', namespace: 'shop', deployment: 'api', container: 'api', image: 'registry/api:2.0.0' };

const MIGRATE = {
  id: 'migrate',
  kind: 'step',
  action: 'job',
  command: ['alembic', 'upgrade', 'head'],
  env: { LEVEL: 'debug', DB_PASSWORD: { secretKeyRef: { name: 'db', key: 'password' } }, REGION: { configMapKeyRef: { name: 'cfg', key: 'region', optional: true } } },
  envFrom: [{ secretRef: { name: 'db' } }, { configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
  volumes: [
    { name: 'backups', persistentVolumeClaim: { claimName: 'backups' } },
    { name: 'creds', secret: { secretName: 'db' } },
    { name: 'settings', configMap: { name: 'cfg' } },
    { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } },
  ],
  volumeMounts: [{ name: 'backups', mountPath: '/backups' }, { name: 'scratch', mountPath: '/tmp' }],
  serviceAccountName: 'migrator',
};

function issues(item: Record<string, unknown>): Array<{ path: string; message: string }> {
  const result = checklistSchema.safeParse({ name: 'jobs', phases: [{ id: 'p', title: 'P', items: [item] }] });
  return result.success ? [] : result.error.issues.map(({ path, message }) => ({ path: path.join('.'), message }));
}

function runWith(item: Record<string, unknown>): Run {
  const checklist = checklistSchema.parse({ name: 'jobs', phases: [{ id: 'p', title: 'P', items: [item] }] });
  return createRun({ id: '7', service: 'api', environment: 'production', version: '2.0.0', target, requestedBy: 'U1', channel: 'C1', checklist }, T0);
}
const jobOf = (run: Run) => run.phases[0]!.items[0] as RunStepOf<'job'>;

describe('the job step in a checklist', () => {
  it('accepts every kind of env, envFrom and volume, and fills the defaults', () => {
    expect(issues(MIGRATE)).toEqual([]);
    const job = jobOf(runWith(MIGRATE));
    expect(job).toEqual({
      id: 'migrate',
      kind: 'step',
      state: 'pending',
      action: 'job',
      title: 'Run job (registry/api:2.0.0 alembic upgrade head)',
      job: { image: 'registry/api:2.0.0', ...Object.fromEntries(Object.entries(MIGRATE).filter(([key]) => !['id', 'kind', 'action'].includes(key))), backoffLimit: 0 },
      timeoutMs: 10 * 60_000,
      onFailure: 'fail',
    });
  });

  it('takes its own image, deadline, backoff and failure policy', () => {
    const job = jobOf(runWith({ id: 'dump', kind: 'step', action: 'job', title: 'Back up', image: 'postgres:16', deadline: '30m', backoffLimit: 2, onFailure: 'continue' }));
    expect(job).toMatchObject({ title: 'Back up', job: { image: 'postgres:16', backoffLimit: 2 }, timeoutMs: 30 * 60_000, onFailure: 'continue' });
  });

  it.each<[string, Record<string, unknown>, { path: string; message: string }]>([
    ['a mount of a volume the step does not declare', { volumeMounts: [{ name: 'data', mountPath: '/data' }] }, { path: 'phases.0.items.0.volumeMounts.0.name', message: 'mounts volume "data", which is not under this step\'s volumes (declared: none)' }],
    ['a relative mount path', { volumes: [{ name: 'data', emptyDir: {} }], volumeMounts: [{ name: 'data', mountPath: 'data' }] }, { path: 'phases.0.items.0.volumeMounts.0.mountPath', message: 'must be an absolute path' }],
    ['an unknown onFailure', { onFailure: 'retry' }, { path: 'phases.0.items.0.onFailure', message: 'Invalid option: expected one of "fail"|"continue"' }],
    ['an env name Kubernetes refuses', { env: { '1BAD': 'x' } }, { path: 'phases.0.items.0.env.1BAD', message: 'is not an environment variable name Kubernetes accepts: letters, digits, "_", "-" or ".", not starting with a digit' }],
    ['a Secret name Kubernetes refuses', { serviceAccountName: 'Migrator' }, { path: 'phases.0.items.0.serviceAccountName', message: 'must be a Kubernetes name: lowercase letters, digits, "-" and "."' }],
  ])('reports %s', (_, extra, issue) => {
    expect(issues({ id: 'migrate', kind: 'step', action: 'job', ...extra })).toContainEqual(issue);
  });

  it('refuses unknown keys inside env references and volumes (a typo is not silently dropped)', () => {
    expect(issues({ id: 'm', kind: 'step', action: 'job', env: { A: { secretKeyRef: { name: 'db', key: 'k', optinal: true } } } })).not.toEqual([]);
    expect(issues({ id: 'm', kind: 'step', action: 'job', volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/' } }] })).not.toEqual([]);
    expect(issues({ id: 'm', kind: 'step', action: 'job', timeout: '5m' })).not.toEqual([]);
  });
});

describe('the Job built for a job step', () => {
  const { job } = jobOf(runWith(MIGRATE));
  const { backoffLimit, serviceAccountName, ...pod } = job;
  const manifest = jobManifest({ namespace: 'shop', name: 'api-job-7-migrate', runId: '7', pod, serviceAccount: serviceAccountName, backoffLimit, deadlineSeconds: 600 });

  it('carries env as values and references, envFrom, volumes and mounts as the API spells them', () => {
    const container = manifest.spec!.template.spec!.containers[0]!;
    expect(container.env).toEqual([
      { name: 'LEVEL', value: 'debug' },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
      { name: 'REGION', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'region', optional: true } } },
    ]);
    expect(container.envFrom).toEqual(MIGRATE.envFrom);
    expect(container.volumeMounts).toEqual(MIGRATE.volumeMounts);
    expect(manifest.spec!.template.spec!.volumes).toEqual(MIGRATE.volumes);
  });

  it('is bounded by its deadline and TTL, runs as the named account with its token, and keeps the restricted defaults', () => {
    expect(manifest.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 3600 });
    expect(manifest.spec!.template.spec).toMatchObject({ restartPolicy: 'Never', serviceAccountName: 'migrator', automountServiceAccountToken: true });
    expect(manifest.spec!.template.spec!.containers[0]!.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
  });
});

describe('a job step as the run records it', () => {
  const started = (): Run => {
    let run = runWith({ id: 'migrate', kind: 'step', action: 'job' });
    run = transition(run, { type: 'start', actor: 'U1' }, T0 + 1).run;
    expect(jobOf(run).state).toBe('running');
    return run;
  };
  const report = (status: 'succeeded' | 'failed', log: string[]): JobReport => ({
    outcome: { status, jobName: 'api-job-7-migrate', podName: 'api-job-7-migrate-x2b4c', exitCode: status === 'succeeded' ? 0 : 2, message: 'done', logTail: log.slice(-10) },
  });
  const notes = (effects: ReturnType<typeof transition>['effects']) => effects.flatMap((effect) => (effect.type === 'thread' ? [effect.note] : []));

  it('keeps the outcome of a Job that succeeded and posts its last lines', () => {
    const event: RunEvent = { type: 'step-succeeded', itemId: 'migrate', detail: 'job succeeded', job: report('succeeded', ['a', 'b']) };
    const t = transition(started(), event, T0 + 2);
    expect(jobOf(t.run).outcome).toEqual(report('succeeded', ['a', 'b']).outcome);
    expect(notes(t.effects).filter((note) => note.kind === 'job-log')).toEqual([{ kind: 'job-log', itemTitle: jobOf(t.run).title, jobName: 'api-job-7-migrate', podName: 'api-job-7-migrate-x2b4c', lines: ['a', 'b'], part: 1, parts: 1, tail: true }]);
    expect(t.run.state).toBe('succeeded');
  });

  it('asks for the whole log of a failed Job as a file after the failure, and ends the run', () => {
    const log = Array.from({ length: 200 }, (_, i) => `${String(i).padStart(3, '0')} ${'x'.repeat(60)}`);
    const t = transition(started(), { type: 'step-failed', itemId: 'migrate', reason: 'Job failed', outcome: 'failed', job: report('failed', log) }, T0 + 2);
    const sent = notes(t.effects);
    expect(sent[0]!.kind).toBe('step-failed');
    expect(sent.filter((note) => note.kind === 'job-log')).toEqual([]);
    expect(t.effects.map((effect) => effect.type)).toContain('job-log-file');
    expect(sent.at(-1)!.kind).toBe('run-ended');
    expect(jobOf(t.run)).toMatchObject({ state: 'failed', outcome: { status: 'failed', exitCode: 2 } });
  });
});

describe('a job step in Slack', () => {
  it('words a part of a log and the last lines of one, escaping what the workload wrote', () => {
    expect(wordThreadNote({ kind: 'job-log', itemTitle: 'Migrate', jobName: 'api-job-7-migrate', podName: 'p-1', lines: ['<!channel> ```'], part: 2, parts: 3 })).toBe(
      ':page_facing_up: Log of job `api-job-7-migrate`, pod `p-1` for step *Migrate* (part 2 of 3):\n```\n&lt;!channel&gt; `\u200b`\u200b`\n```',
    );
    expect(wordThreadNote({ kind: 'job-log', itemTitle: 'Migrate', jobName: 'j', lines: ['ok'], part: 1, parts: 1, tail: true })).toBe(':page_facing_up: Last 1 log line of job `j` for step *Migrate*:\n```\nok\n```');
  });

  it('shows the last five lines of a finished Job under its item, each cut short', () => {
    const run = runWith({ id: 'migrate', kind: 'step', action: 'job', title: 'Migrate' });
    const item = { ...jobOf(run), state: 'done' as const, detail: 'job j succeeded (exit 0)', outcome: { status: 'succeeded' as const, jobName: 'j', message: 'ok', logTail: ['1', '2', '3', '4', '5', '6', 'y'.repeat(300)] } };
    const line = itemLine(item);
    expect(line.startsWith(':white_check_mark: Migrate — job j succeeded (exit 0) — last lines of the log:\n```\n3\n4\n5\n6\n')).toBe(true);
    expect(line).toContain(`${'y'.repeat(199)}…\n\`\`\``);
  });

  it('shows a failed Job by the first line of its failure and its last lines, not the log the failure quotes', () => {
    const run = runWith({ id: 'migrate', kind: 'step', action: 'job', title: 'Migrate' });
    const detail = 'Job shop/j failed (exit 2): Job has reached the specified backoff limit\nLast 2 log lines of pod p:\n```\na\nb\n```';
    const item = { ...jobOf(run), state: 'failed' as const, detail, outcome: { status: 'failed' as const, jobName: 'j', message: 'x', logTail: ['a', 'b'] } };
    expect(itemLine(item)).toBe(':x: Migrate — Job shop/j failed (exit 2): Job has reached the specified backoff limit — last lines of the log:\n```\na\nb\n```');
  });
});
