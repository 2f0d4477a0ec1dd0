import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, AppsV1Api, KubeConfig, PatchStrategy, Watch, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type KubernetesEmulator, startKubernetesEmulator } from './index.js';

let emu: KubernetesEmulator;
let kc: KubeConfig;
let apps: AppsV1Api;
let dir: string;

beforeEach(async () => {
  emu = await startKubernetesEmulator({ readyDelayMs: 100, tickMs: 10 });
  dir = await mkdtemp(join(tmpdir(), 'k8s-emu-'));
  emu.writeKubeconfig(join(dir, 'config'));
  kc = new KubeConfig();
  kc.loadFromFile(join(dir, 'config'));
  apps = kc.makeApiClient(AppsV1Api);
});

afterEach(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

const smp = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

async function statusOf(call: Promise<unknown>): Promise<{ code: number; status: Record<string, unknown> }> {
  try {
    await call;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiException);
    const e = err as ApiException<string>;
    return { code: e.code, status: JSON.parse(e.body) as Record<string, unknown> };
  }
  throw new Error('expected the call to fail');
}

async function until<T>(probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('kubernetes emulator: reads and kubeconfig', () => {
  it('serves a seeded, fully rolled out Deployment through the real client', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 3 });
    const d = await apps.readNamespacedDeployment({ name: 'web', namespace: 'prod' });
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(d.status).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
    expect(progressing?.reason).toBe('NewReplicaSetAvailable');
    expect(emu.requests.at(-1)).toMatchObject({ method: 'GET', path: '/apis/apps/v1/namespaces/prod/deployments/web' });
  });

  it('lists ReplicaSets by label selector with owner references and pod-template-hash', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0' });
    emu.seedDeployment({ namespace: 'prod', name: 'api', container: 'api', image: 'reg/api:1.0.0' });
    const list = await apps.listNamespacedReplicaSet({ namespace: 'prod', labelSelector: 'app=web' });
    expect(list.items).toHaveLength(1);
    const rs = list.items[0]!;
    const hash = rs.metadata?.labels?.['pod-template-hash'];
    expect(rs.metadata?.name).toBe(`web-${hash}`);
    expect(rs.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: 'web', controller: true });
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThan(0);
  });

  it('returns 404 Status objects and rejects a wrong bearer token', async () => {
    const nf = await statusOf(apps.readNamespacedDeployment({ name: 'nope', namespace: 'prod' }));
    expect(nf).toMatchObject({ code: 404, status: { kind: 'Status', reason: 'NotFound', message: 'deployments.apps "nope" not found', code: 404 } });
    const res = await fetch(`${emu.url}/apis/apps/v1/namespaces/prod/deployments`, { headers: { authorization: 'Bearer wrong' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/json');
  });
});

describe('kubernetes emulator: patches and the controller', () => {
  it('strategic-merge patch merges containers by name, bumps generation, and rolls out a new revision', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 2 });
    await apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'prod', body: { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'reg/side:1' }] } } } } },
      smp,
    );
    const patched = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'prod',
        body: {
          metadata: { annotations: { 'kubernetes.io/change-cause': 'v2 by alice' } },
          // kubectl set image sends $setElementOrder; the server must accept and ignore it.
          spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ name: 'web', image: 'reg/web:2.0.0' }] } } },
        },
      },
      smp,
    );
    expect(patched.metadata?.generation).toBe(3);
    expect(patched.spec?.template.spec?.containers.map((c) => [c.name, c.image])).toEqual([
      ['web', 'reg/web:2.0.0'],
      ['sidecar', 'reg/side:1'],
    ]);
    const done = await until(() => {
      const d = emu.getDeployment('prod', 'web');
      return d?.status?.observedGeneration === 3 && d.status.updatedReplicas === 2 && d.status.replicas === 2 && d.status.availableReplicas === 2 ? d : undefined;
    });
    expect(done.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
    const newest = emu.listReplicaSets('prod').find((rs) => rs.metadata.annotations['deployment.kubernetes.io/revision'] === '3');
    expect(newest?.metadata.annotations['kubernetes.io/change-cause']).toBe('v2 by alice');
    expect(newest?.spec.replicas).toBe(2);
  });

  it('merge patch and JSON patch apply; a bad JSON patch is 400 and a stale resourceVersion is 409', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0' });
    const merged = await apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'prod', body: { metadata: { labels: { team: 'core' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.metadata?.labels).toMatchObject({ app: 'web', team: 'core' });
    expect(merged.metadata?.generation).toBe(1);
    const jp = await apps.patchNamespacedDeployment({
      name: 'web',
      namespace: 'prod',
      body: [{ op: 'replace', path: '/spec/replicas', value: 5 }],
    });
    expect(jp.spec?.replicas).toBe(5);
    expect(emu.requests.at(-1)?.contentType).toBe('application/json-patch+json');
    const bad = await statusOf(apps.patchNamespacedDeployment({ name: 'web', namespace: 'prod', body: { spec: {} } }));
    expect(bad).toMatchObject({ code: 400, status: { reason: 'BadRequest' } });
    const stale = await statusOf(
      apps.patchNamespacedDeployment({ name: 'web', namespace: 'prod', body: { metadata: { resourceVersion: '1' } } }, smp),
    );
    expect(stale).toMatchObject({ code: 409, status: { reason: 'Conflict' } });
  });

  it('rolls back by reusing the old ReplicaSet under a new revision', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 1 });
    const setImage = (image: string) =>
      apps.patchNamespacedDeployment({ name: 'web', namespace: 'prod', body: { spec: { template: { spec: { containers: [{ name: 'web', image }] } } } } }, smp);
    await setImage('reg/web:2.0.0');
    await until(() => (emu.getDeployment('prod', 'web')?.metadata.annotations['deployment.kubernetes.io/revision'] === '2' ? true : undefined));
    await setImage('reg/web:1.0.0');
    await until(() => (emu.getDeployment('prod', 'web')?.metadata.annotations['deployment.kubernetes.io/revision'] === '3' ? true : undefined));
    const rss = emu.listReplicaSets('prod');
    expect(rss).toHaveLength(2);
    const reused = rss.find((rs) => rs.spec.template.spec.containers[0].image === 'reg/web:1.0.0');
    expect(reused?.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
    expect(reused?.metadata.annotations['deployment.kubernetes.io/revision-history']).toBe('1');
  });

  it('a never-ready image ends in Progressing=False ProgressDeadlineExceeded', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 2, progressDeadlineSeconds: 1 });
    emu.neverReady('reg/web:bad');
    await apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'prod', body: { spec: { template: { spec: { containers: [{ name: 'web', image: 'reg/web:bad' }] } } } } },
      smp,
    );
    const d = await until(() => {
      const cur = emu.getDeployment('prod', 'web');
      const cond = cur?.status?.conditions?.find((c: { type: string }) => c.type === 'Progressing');
      return cond?.reason === 'ProgressDeadlineExceeded' ? cur : undefined;
    }, 5000);
    expect(d.status.conditions.find((c: { type: string }) => c.type === 'Progressing').status).toBe('False');
    expect(d.status.availableReplicas).toBe(2);
    expect(d.status.updatedReplicas).toBe(1);
  });
});

function collect(query: Record<string, string>) {
  const events: Array<{ type: string; obj: Record<string, any> }> = [];
  let ended: unknown = 'open';
  const started = new Watch(kc).watch('/apis/apps/v1/namespaces/prod/deployments', query, (type, obj) => events.push({ type, obj }), (err) => {
    ended = err;
  });
  return { events, started, ended: () => ended };
}

describe('kubernetes emulator: watch', () => {
  it('streams ADDED then MODIFIED for the named Deployment only, from the current state', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 1 });
    emu.seedDeployment({ namespace: 'prod', name: 'api', container: 'api', image: 'reg/api:1.0.0', replicas: 1 });
    const w = collect({ fieldSelector: 'metadata.name=web' });
    const ctl = await w.started;
    await until(() => (w.events.length > 0 ? true : undefined));
    expect(w.events[0]).toMatchObject({ type: 'ADDED', obj: { metadata: { name: 'web' } } });
    await apps.patchNamespacedDeployment({ name: 'api', namespace: 'prod', body: { metadata: { labels: { x: 'y' } } } }, smp);
    await apps.patchNamespacedDeployment({ name: 'web', namespace: 'prod', body: { metadata: { labels: { x: 'y' } } } }, smp);
    await until(() => (w.events.some((e) => e.type === 'MODIFIED') ? true : undefined));
    expect(w.events.every((e) => e.obj.metadata.name === 'web')).toBe(true);
    expect(emu.requests.find((r) => r.query.watch === 'true')?.query.fieldSelector).toBe('metadata.name=web');
    ctl.abort();
  });

  it('resumes from an exact resourceVersion, and answers a compacted one with a 410 Expired ERROR event', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 1 });
    const before = await apps.listNamespacedDeployment({ namespace: 'prod' });
    const rv = before.metadata!.resourceVersion!;
    await apps.patchNamespacedDeployment({ name: 'web', namespace: 'prod', body: { metadata: { labels: { step: '1' } } } }, smp);
    const replay = collect({ resourceVersion: rv });
    await replay.started;
    await until(() => (replay.events.length > 0 ? true : undefined));
    expect(replay.events[0]).toMatchObject({ type: 'MODIFIED', obj: { metadata: { labels: { step: '1' } } } });
    emu.compactHistory();
    const old = collect({ resourceVersion: rv });
    await old.started;
    await until(() => (old.ended() !== 'open' ? true : undefined));
    expect(old.events).toEqual([{ type: 'ERROR', obj: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) }]);
  });

  it('accepts watch=1 and streams NDJSON with Content-Type application/json until timeoutSeconds', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 1 });
    const res = await fetch(`${emu.url}/apis/apps/v1/namespaces/prod/deployments?watch=1&timeoutSeconds=1`, {
      headers: { authorization: `Bearer ${emu.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } });
    expect(lines.map((l) => [l.type, l.object.metadata.name])).toEqual([['ADDED', 'web']]);
  });

  it('dropWatches ends open streams abruptly; forbid and failNext answer with Status objects', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 1 });
    const w = collect({});
    await w.started;
    await until(() => (w.events.length > 0 ? true : undefined));
    expect(emu.dropWatches()).toBe(1);
    await until(() => (w.ended() !== 'open' ? true : undefined));
    expect(emu.dropWatches()).toBe(0);

    emu.forbid({ verb: 'patch', resource: 'deployments', namespace: 'prod' });
    const denied = await statusOf(apps.patchNamespacedDeployment({ name: 'web', namespace: 'prod', body: {} }, smp));
    expect(denied.code).toBe(403);
    expect(denied.status.message).toMatch(/cannot patch resource "deployments" in API group "apps" in the namespace "prod"/);
    await expect(apps.readNamespacedDeployment({ name: 'web', namespace: 'prod' })).resolves.toBeTruthy();

    emu.failNext(1, 500, { method: 'GET' });
    emu.failNext(1, 409, { method: 'PATCH', pathIncludes: '/deployments/never-asked-for' });
    emu.delayNext(2, 10, { method: 'GET' });
    expect(emu.pendingFaults()).toEqual({ failures: 2, delays: 2, hangs: 0, silences: 0 });
    const failed = await statusOf(apps.readNamespacedDeployment({ name: 'web', namespace: 'prod' }));
    expect(failed).toMatchObject({ code: 500, status: { reason: 'InternalError' } });
    await expect(apps.readNamespacedDeployment({ name: 'web', namespace: 'prod' })).resolves.toBeTruthy();
    // What a scenario asserts before judging its outcome: a fault that never matched is still pending.
    expect(emu.pendingFaults()).toEqual({ failures: 1, delays: 0, hangs: 0, silences: 0 });
  });
});

describe('kubernetes emulator: hangs and silent watches', () => {
  it('hangNext leaves the matching request unanswered and unserved until the client gives up; the next one is served', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 1 });
    emu.hangNext(1, { method: 'PATCH' });
    const ac = new AbortController();
    const hung = fetch(`${emu.url}/apis/apps/v1/namespaces/prod/deployments/web`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${emu.token}`, 'content-type': 'application/strategic-merge-patch+json' },
      body: JSON.stringify({ metadata: { labels: { hung: 'yes' } } }),
      signal: ac.signal,
    }).then(
      () => 'answered',
      (err: Error) => err.name,
    );
    await until(() => (emu.requests.some((r) => r.method === 'PATCH') ? true : undefined));
    await apps.patchNamespacedDeployment({ name: 'web', namespace: 'prod', body: { metadata: { labels: { next: 'yes' } } } }, smp);
    ac.abort();
    expect(await hung).toBe('AbortError');
    const labels = emu.getDeployment('prod', 'web').metadata.labels;
    expect(labels).toMatchObject({ next: 'yes' });
    expect(labels).not.toHaveProperty('hung');
  });

  it('silenceNextWatches starts the stream, then sends nothing and outlives timeoutSeconds', async () => {
    emu.seedDeployment({ namespace: 'prod', name: 'web', container: 'web', image: 'reg/web:1.0.0', replicas: 1 });
    emu.silenceNextWatches(1, { pathIncludes: '/deployments' });
    const silent = collect({ timeoutSeconds: '1' });
    const ctl = await silent.started;
    const control = collect({ timeoutSeconds: '1' });
    await control.started;
    await apps.patchNamespacedDeployment({ name: 'web', namespace: 'prod', body: { metadata: { labels: { x: 'y' } } } }, smp);
    await until(() => (control.ended() !== 'open' ? true : undefined));
    expect(control.events[0]?.type).toBe('ADDED');
    expect(control.events.some((e) => e.type === 'MODIFIED')).toBe(true);
    expect(silent.events).toEqual([]);
    expect(silent.ended()).toBe('open');
    ctl.abort();
  });
});
