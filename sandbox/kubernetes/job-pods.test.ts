import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, BatchV1Api, CoreV1Api, KubeConfig, type V1Job } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type KubernetesEmulator, startKubernetesEmulator } from './index.js';

let emu: KubernetesEmulator;
let batch: BatchV1Api;
let core: CoreV1Api;
let dir: string;

beforeEach(async () => {
  emu = await startKubernetesEmulator({ readyDelayMs: 100, tickMs: 10 });
  dir = await mkdtemp(join(tmpdir(), 'k8s-emu-jobs-'));
  emu.writeKubeconfig(join(dir, 'config'));
  const kc = new KubeConfig();
  kc.loadFromFile(join(dir, 'config'));
  batch = kc.makeApiClient(BatchV1Api);
  core = kc.makeApiClient(CoreV1Api);
});

afterEach(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

/** Polls the emulator's own state; every caller says what it waits for, so a hang names its premise. */
async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not reached`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function job(name: string, pod: Record<string, unknown>, spec: Record<string, unknown> = {}): V1Job {
  return {
    metadata: { name },
    spec: { backoffLimit: 0, ...spec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'reg/migrate:1', ...pod }], ...(pod.volumes ? { volumes: pod.volumes } : {}) } } },
  } as V1Job;
}

const endOf = (name: string) => (emu.get('jobs', 'prod', name)?.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Complete' || c.type === 'Failed');

describe('kubernetes emulator: Job pods as the kubelet runs them', () => {
  it('leaves a pod whose env names a missing Secret key waiting in CreateContainerConfigError until activeDeadlineSeconds fails the Job', async () => {
    emu.create('secrets', 'prod', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { user: 'YWRtaW4=' } });
    const env = [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }];
    await batch.createNamespacedJob({ namespace: 'prod', body: job('no-key', { env }, { activeDeadlineSeconds: 1 }) });
    const waiting = await until('the pod to report why it waits', () => emu.list('pods', 'prod')[0]?.status?.containerStatuses?.[0]?.state?.waiting);
    expect(waiting).toEqual({ reason: 'CreateContainerConfigError', message: "couldn't find key password in Secret prod/db" });
    expect(emu.list('pods', 'prod')[0]?.status?.phase).toBe('Pending');
    const end = await until('the deadline to fail the Job', () => endOf('no-key'));
    expect(end).toMatchObject({ type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    expect(emu.list('pods', 'prod')).toEqual([]);
  });

  it('runs a pod whose Secret, ConfigMap and volumes exist, with the scripted exit code and log', async () => {
    emu.create('secrets', 'prod', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { password: 'cw==' } });
    emu.create('configmaps', 'prod', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { level: 'info' } });
    emu.jobOutcome({ name: 'ok' }, { succeed: false, exitCode: 3, logs: ['one', 'two'] });
    const env = [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }, { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'level' } } }];
    const volumes = [{ name: 'creds', secret: { secretName: 'db' } }, { name: 'scratch', emptyDir: {} }];
    await batch.createNamespacedJob({ namespace: 'prod', body: job('ok', { env, envFrom: [{ configMapRef: { name: 'cfg' } }], volumes, volumeMounts: [{ name: 'creds', mountPath: '/creds' }] }) });
    expect(await until('the Job to end', () => endOf('ok'))).toMatchObject({ type: 'Failed', reason: 'BackoffLimitExceeded' });
    const pod = emu.list('pods', 'prod')[0]!;
    expect(pod.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(await core.readNamespacedPodLog({ name: pod.metadata.name, namespace: 'prod', container: 'job', tailLines: 1 })).toBe('two\n');
  });

  it('leaves a pod mounting a PersistentVolumeClaim that does not exist unstarted, and runs one whose claim exists', async () => {
    const volumes = [{ name: 'backups', persistentVolumeClaim: { claimName: 'backups' } }];
    await batch.createNamespacedJob({ namespace: 'prod', body: job('no-claim', { volumes, volumeMounts: [{ name: 'backups', mountPath: '/backups' }] }) });
    const scheduled = await until('the pod to report why it is not scheduled', () => emu.list('pods', 'prod')[0]?.status?.conditions?.find((c: { type: string }) => c.type === 'PodScheduled'));
    expect(scheduled).toMatchObject({ status: 'False', reason: 'Unschedulable', message: expect.stringMatching(/^0\/1 nodes are available: persistentvolumeclaim "backups" not found\./) });
    expect(emu.list('pods', 'prod')[0]?.status).toMatchObject({ phase: 'Pending' });
    expect(emu.list('pods', 'prod')[0]?.status.containerStatuses).toBeUndefined();
    await core.createNamespacedPersistentVolumeClaim({ namespace: 'prod', body: { metadata: { name: 'backups' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } });
    await batch.createNamespacedJob({ namespace: 'prod', body: job('claimed', { volumes, volumeMounts: [{ name: 'backups', mountPath: '/backups' }] }) });
    expect(await until('the Job with a claim to end', () => endOf('claimed'))).toMatchObject({ type: 'Complete' });
  });

  it('refuses a volumeMount naming no volume of the pod with 422, as the API server does', async () => {
    const err = await batch.createNamespacedJob({ namespace: 'prod', body: job('bad-mount', { volumeMounts: [{ name: 'data', mountPath: '/data' }] }) }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApiException);
    const status = JSON.parse((err as ApiException<string>).body) as { code: number; message: string };
    expect(status.code).toBe(422);
    expect(status.message).toBe('Job.batch "bad-mount" is invalid: spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"');
  });

  it('deletes a finished Job and its pods once ttlSecondsAfterFinished has passed', async () => {
    await batch.createNamespacedJob({ namespace: 'prod', body: job('short-lived', {}, { ttlSecondsAfterFinished: 0 }) });
    expect(await until('the Job to be seen running', () => emu.list('pods', 'prod')[0])).toBeDefined();
    await until('the TTL to remove the Job', () => (emu.get('jobs', 'prod', 'short-lived') === undefined ? true : undefined));
    expect(emu.list('pods', 'prod')).toEqual([]);
  });
});

describe('kubernetes emulator: a Job pod log as the API server serves it', () => {
  const status = async (call: Promise<unknown>) => {
    const err = await call.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApiException);
    return JSON.parse((err as ApiException<string>).body) as { code: number; reason: string; message: string };
  };

  it('shows a running pod only the lines written so far, and all of them once it ended, with timestamps and sinceTime as asked', async () => {
    // Three lines over ten minutes: the first is written after 2.5 minutes.
    emu.jobOutcome({ name: 'long' }, { succeed: true, logs: ['a', 'b', 'c'], runMs: 600_000 });
    await batch.createNamespacedJob({ namespace: 'prod', body: job('long', {}) });
    const running = await until('the long pod to run', () => emu.list('pods', 'prod').find((p) => p.status?.phase === 'Running')?.metadata.name as string | undefined);
    expect(await core.readNamespacedPodLog({ name: running, namespace: 'prod', container: 'job' })).toBe('');
    emu.jobOutcome({ name: 'slow' }, { succeed: true, logs: ['one', 'two', 'three'], runMs: 300 });
    await batch.createNamespacedJob({ namespace: 'prod', body: job('slow', {}) });
    const pod = await until('the pod to run', () => emu.list('pods', 'prod').find((p) => String(p.metadata.name).startsWith('slow-'))?.metadata.name as string | undefined);
    await until('the Job to end', () => endOf('slow'));
    expect(await core.readNamespacedPodLog({ name: pod, namespace: 'prod' })).toBe('one\ntwo\nthree\n');
    const stamped = String(await core.readNamespacedPodLog({ name: pod, namespace: 'prod', timestamps: true }));
    const stamps = stamped.trimEnd().split('\n').map((line) => line.split(' ')[0]!);
    expect(stamps.every((at) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/.test(at))).toBe(true);
    // client-node has no sinceTime; kubectl logs --since-time sends it so.
    const since = await fetch(`${emu.url}/api/v1/namespaces/prod/pods/${pod}/log?sinceTime=${encodeURIComponent(stamps[2]!)}`, { headers: { authorization: `Bearer ${emu.token}` } });
    expect(await since.text()).toBe('three\n');
    expect(await core.readNamespacedPodLog({ name: pod, namespace: 'prod', limitBytes: 6 })).toBe('one\ntw');
  });

  it('with follow=true keeps the answer open and carries each line as it is written, until the container ends', async () => {
    emu.jobOutcome({ name: 'follow' }, { succeed: true, logs: ['first', 'second', 'third'], runMs: 800 });
    await batch.createNamespacedJob({ namespace: 'prod', body: job('follow', {}) });
    const pod = await until('the pod to run', () => emu.list('pods', 'prod').find((p) => p.status?.phase === 'Running')?.metadata.name as string | undefined);
    const followed = await fetch(`${emu.url}/api/v1/namespaces/prod/pods/${pod}/log?follow=true&container=job`, { headers: { authorization: `Bearer ${emu.token}` } });
    expect(followed.headers.get('transfer-encoding')).toBe('chunked');
    expect(await followed.text()).toBe('first\nsecond\nthird\n');
  });

  it('refuses as kube-apiserver does: a missing pod (404), a container waiting to start and a container the pod lacks (400), two time filters (422)', async () => {
    expect(await status(core.readNamespacedPodLog({ name: 'gone', namespace: 'prod' }))).toMatchObject({ code: 404, reason: 'NotFound', message: 'pods "gone" not found' });
    const env = [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'absent', key: 'password' } } }];
    await batch.createNamespacedJob({ namespace: 'prod', body: job('waits', { env }) });
    const pod = await until('the pod to wait', () => (emu.list('pods', 'prod')[0]?.status?.containerStatuses?.[0]?.state?.waiting ? (emu.list('pods', 'prod')[0]!.metadata.name as string) : undefined));
    expect(await status(core.readNamespacedPodLog({ name: pod, namespace: 'prod', container: 'job' }))).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message: `container "job" in pod "${pod}" is waiting to start: CreateContainerConfigError`,
    });
    expect(await status(core.readNamespacedPodLog({ name: pod, namespace: 'prod', container: 'sidecar' }))).toMatchObject({ code: 400, message: `container sidecar is not valid for pod ${pod}` });
    const both = await fetch(`${emu.url}/api/v1/namespaces/prod/pods/${pod}/log?sinceSeconds=5&sinceTime=2026-12-06T00:00:00Z`, { headers: { authorization: `Bearer ${emu.token}` } });
    expect(both.status).toBe(422);
    expect(await both.json()).toMatchObject({ reason: 'Invalid', message: `PodLogOptions "${pod}" is invalid: : Forbidden: at most one of \`sinceTime\` or \`sinceSeconds\` may be specified` });
  });

  it('refuses a reader without get on pods/log with 403, in the API server words', async () => {
    emu.jobOutcome({ name: 'quiet' }, { succeed: true, logs: ['hello'] });
    await batch.createNamespacedJob({ namespace: 'prod', body: job('quiet', {}) });
    const pod = await until('the pod', () => emu.list('pods', 'prod')[0]?.metadata.name as string | undefined);
    emu.forbid({ verb: 'get', resource: 'pods/log', namespace: 'prod' });
    const refused = await status(core.readNamespacedPodLog({ name: pod, namespace: 'prod' }));
    expect(refused).toMatchObject({ code: 403, reason: 'Forbidden' });
    expect(refused.message).toContain(`pods "${pod}" is forbidden: User "`);
    expect(refused.message).toContain('cannot get resource "pods/log" in API group "" in the namespace "prod"');
  });
});
