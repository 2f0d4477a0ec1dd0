import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlightdeckError } from '../../src/errors/flightdeck-error.js';
import { type ClusterClient, createClusterAccess } from '../../src/k8s/create-cluster-access.js';
import { jobManifest } from '../../src/k8s/job-manifest.js';
import { runJob } from '../../src/k8s/run-job.js';
import { type KubernetesEmulator, startKubernetesEmulator } from '../../sandbox/kubernetes/index.js';
import { WORKER_ACCOUNT, loadChartRbac } from '../../sandbox/kubernetes/load-chart-rbac.js';

let emu: KubernetesEmulator;
let dir: string;
let client: ClusterClient;

beforeEach(async () => {
  emu = await startKubernetesEmulator({ readyDelayMs: 150, tickMs: 10 });
  dir = await mkdtemp(join(tmpdir(), 'k8s-jobs-'));
  // As the chart's worker account, under the chart's Role: a verb the Role lacks fails these tests with a 403.
  emu.applyRbac(loadChartRbac(['prod']));
  emu.writeKubeconfig(join(dir, 'kubeconfig'), 'emu', emu.serviceAccountToken(WORKER_ACCOUNT.namespace, WORKER_ACCOUNT.name));
  client = createClusterAccess({ kubeconfigPath: join(dir, 'kubeconfig') }).forContext('emu');
});

afterEach(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

const job = { namespace: 'prod', name: 'smoke-42', runId: 'run-42', pod: { image: 'reg/smoke:1', command: ['/smoke'], args: ['--target', 'web'], env: { VERSION: '1.2.0' } }, timeoutMs: 15_000, now: Date.now };
const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`);
const jobWatches = () => emu.requests.filter((r) => r.path.endsWith('/jobs') && r.query.watch === 'true');

async function until(probe: () => boolean): Promise<void> {
  while (!probe()) await new Promise((r) => setTimeout(r, 5));
}

describe('runJob', () => {
  it('creates the Job from the template and resolves when it completes', async () => {
    // Long enough that the Job is still running when it is first listed, however busy the machine: the wait must watch.
    emu.jobOutcome({ image: 'reg/smoke:1' }, { succeed: true, logs: [], runMs: 1500 });
    const result = await runJob(client, job);
    expect(result).toEqual({ succeeded: true, reused: false, message: 'Reached expected number of succeeded pods', logTail: [] });
    const created = emu.get('jobs', 'prod', 'smoke-42');
    expect(created?.spec).toMatchObject({ backoffLimit: 0, template: { spec: { restartPolicy: 'Never' } } });
    expect(created?.spec.template.spec.containers[0]).toMatchObject({ image: 'reg/smoke:1', command: ['/smoke'], args: ['--target', 'web'], env: [{ name: 'VERSION', value: '1.2.0' }] });
    expect(created?.status.conditions.map((c: { type: string }) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(jobWatches()[0]?.query).toMatchObject({ fieldSelector: 'metadata.name=smoke-42', resourceVersion: expect.stringMatching(/^\d+$/) });
  });

  it('creates a restricted, bounded Job labelled with its run, without a token unless it asks for an account', async () => {
    await runJob(client, job);
    const created = emu.get('jobs', 'prod', 'smoke-42')!;
    expect(created.metadata.labels).toMatchObject({ 'flightdeck.dev/run': 'run-42', 'app.kubernetes.io/managed-by': 'flightdeck' });
    expect(created.spec).toMatchObject({ activeDeadlineSeconds: 15, ttlSecondsAfterFinished: 3600 });
    const pod = created.spec.template.spec;
    expect(pod).toMatchObject({ automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } });
    expect(pod.serviceAccountName).toBeUndefined();
    expect(pod.containers[0].securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    expect(created.spec.template.metadata.labels).toMatchObject({ 'flightdeck.dev/run': 'run-42' });

    await runJob(client, { ...job, name: 'smoke-sa', serviceAccount: 'smoke-tester' });
    expect(emu.get('jobs', 'prod', 'smoke-sa')!.spec.template.spec).toMatchObject({ serviceAccountName: 'smoke-tester', automountServiceAccountToken: true });
  });

  it('a failed Job resolves with the last 20 lines of its pod log', async () => {
    emu.jobOutcome({ image: 'reg/smoke:1' }, { succeed: false, logs: lines(30) });
    const result = await runJob(client, job);
    expect(result.succeeded).toBe(false);
    expect(result.message).toBe('Job has reached the specified backoff limit');
    expect(result.logTail).toEqual(lines(30).slice(10));
    expect(result.podName).toMatch(/^smoke-42-[a-z0-9]{5}$/);
    expect(emu.requests.find((r) => r.path.endsWith('/log'))?.query).toMatchObject({ tailLines: '20' });
  });

  it('with logOnSuccess: the tail of a Job that succeeded, and the exit code and tail of one that failed', async () => {
    emu.jobOutcome({ name: 'ok' }, { succeed: true, logs: lines(3) });
    expect(await runJob(client, { ...job, name: 'ok', logOnSuccess: true, logLines: 2 })).toMatchObject({ succeeded: true, exitCode: 0, logTail: ['line 2', 'line 3'] });
    emu.jobOutcome({ name: 'bad' }, { succeed: false, exitCode: 3, logs: lines(40) });
    const failed = await runJob(client, { ...job, name: 'bad', logLines: 5 });
    expect(failed).toMatchObject({ succeeded: false, exitCode: 3, logTail: lines(40).slice(35) });
    expect(emu.requests.filter((r) => r.path.endsWith('/log')).map((r) => r.query)).toEqual(expect.arrayContaining([expect.objectContaining({ container: 'job', tailLines: '5' })]));
  });

  it('with a grace past the deadline, reports the API server ending the Job (DeadlineExceeded) as a failed Job, not a timeout', async () => {
    emu.jobOutcome({ name: 'overdue' }, { succeed: true, logs: ['still dumping'], runMs: 60_000 });
    const result = await runJob(client, { ...job, name: 'overdue', timeoutMs: 1000, graceMs: 10_000 });
    expect(result).toMatchObject({ succeeded: false, message: 'Job was active longer than specified deadline' });
    expect(emu.get('jobs', 'prod', 'overdue')?.spec.activeDeadlineSeconds).toBe(1);
  });

  it('reuses an existing Job of the same name instead of failing or starting a second one', async () => {
    const first = await runJob(client, job);
    const second = await runJob(client, job);
    expect(first.reused).toBe(false);
    expect(second).toMatchObject({ succeeded: true, reused: true });
    expect(emu.list('pods', 'prod')).toHaveLength(1);
  });

  it('survives a dropped watch and a 410 Expired while waiting, without missing the end', async () => {
    // Long enough that both cuts land while the Job runs, on a loaded machine too; checked below before each cut.
    emu.jobOutcome({ name: 'smoke-42' }, { succeed: false, logs: ['boom'], runMs: 3000 });
    const running = () => (emu.get('jobs', 'prod', 'smoke-42')?.status.conditions ?? []).length === 0;
    const run = runJob(client, job);
    await until(() => jobWatches().length === 1);
    expect(running()).toBe(true);
    emu.dropWatches();
    await until(() => jobWatches().length === 2);
    expect(running()).toBe(true);
    emu.compactHistory();
    emu.dropWatches();
    const result = await run;
    expect(result).toMatchObject({ succeeded: false, logTail: ['boom'] });
    // After the 410 the job is listed again before watching.
    const jobLists = emu.requests.filter((r) => r.path.endsWith('/jobs') && r.method === 'GET' && r.query.watch === undefined);
    expect(jobLists.length).toBeGreaterThanOrEqual(2);
  });

  it('times out with rollout-timeout naming the Job; a log it cannot read does not hide the verdict', async () => {
    emu.jobOutcome({ name: 'slow' }, { succeed: true, logs: [], runMs: 60_000 });
    // Created beforehand with a long activeDeadlineSeconds (runJob reuses it): on a loaded machine the API server
    // would otherwise end a Job whose deadline is the 1 s a 300 ms timeout rounds up to before the wait gives up.
    emu.create('jobs', 'prod', { ...jobManifest({ ...job, name: 'slow', deadlineSeconds: 600 }) });
    const err = await runJob(client, { ...job, name: 'slow', timeoutMs: 300 }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(FlightdeckError);
    expect((err as FlightdeckError).code).toBe('rollout-timeout');
    expect((err as FlightdeckError).message).toMatch(/job prod\/slow/);

    emu.jobOutcome({ name: 'secret' }, { succeed: false, logs: ['x'] });
    emu.forbid({ verb: 'get', resource: 'pods/log' });
    const result = await runJob(client, { ...job, name: 'secret' });
    expect(result).toMatchObject({ succeeded: false, logTail: [] });
    expect(result.logError).toMatch(/Not allowed to get log of pod prod\/secret-.*cannot get resource "pods\/log"/);
  });

  it('a 403 on create is k8s-forbidden naming the verb and resource', async () => {
    emu.forbid({ verb: 'create', resource: 'jobs', namespace: 'prod' });
    const err = await runJob(client, job).then(() => undefined, (e: unknown) => e);
    expect((err as FlightdeckError).code).toBe('k8s-forbidden');
    expect((err as FlightdeckError).message).toMatch(/^Not allowed to create job prod\/smoke-42: .*cannot create resource "jobs" in API group "batch"/);
  });
});
