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
