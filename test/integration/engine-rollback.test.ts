import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterAccess } from '../../src/k8s/create-cluster-access.js';
import { setImage } from '../../src/k8s/set-image.js';
import { startRollback } from '../../src/use-cases/start-rollback.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { runRef } from '../../src/run/core/run-ref.js';
import { imageOf, NS, startEngineHarness, type EngineHarness } from './engine-harness.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listRevisions } from '../../src/k8s/list-revisions.js';
import { computeFourKeys } from '../../src/run/core/four-keys.js';
import { runKeys } from '../../src/run/store/run-keys.js';

let h: EngineHarness;
beforeAll(async () => {
  h = await startEngineHarness();
});
afterAll(async () => {
  await h?.close();
});

function client() {
  const path = join(mkdtempSync(join(tmpdir(), 'engine-rb-')), 'kubeconfig');
  h.emu.writeKubeconfig(path, 'emu');
  return createClusterAccess({ kubeconfigPath: path }).forContext('emu');
}

/** A standalone rollback, as `/rollback <name> production [to <revision>]` confirmed. */
function rollback(name: string, toRevision?: string): Promise<Run> {
  return startRollback(
    {
      of: null,
      service: name,
      environment: 'production',
      target: { cluster: 'emu', namespace: NS, deployment: name, container: name, image: `reg/${name}` },
      ...(toRevision ? { toRevision } : {}),
      actor: 'U0CAROL',
      channel: 'C0DEPLOY',
      reason: 'requested by <@U0CAROL>',
    },
    { store: h.store, engine: h.engine, now: Date.now },
  );
}

describe('rollbacks on the engine', () => {
  it('a failed smoke Job fails the run with its log, then the run is rolled back to the pinned revision', async () => {
    h.seed('checkout', 'reg/checkout:1.0.0');
    h.emu.jobOutcome({ image: 'reg/smoke:1' }, { succeed: false, logs: ['GET /health 200', 'POST /cart 500', 'smoke: 1 of 2 checks failed'] });
    const run = await h.deploy('checkout', '2.0.0', [
      { id: 'set-image', kind: 'step', action: 'set-image' },
      { id: 'wait', kind: 'step', action: 'wait-rollout', timeout: '30s' },
      { id: 'smoke', kind: 'step', action: 'smoke-job', image: 'reg/smoke:1', command: ['/smoke'], env: { TARGET: 'http://{{deployment}}' }, timeout: '30s' },
    ]);
    const undone = await h.settle(run.id, ['rolled-back', 'rollback-failed', 'error']);
    expect(undone.state).toBe('rolled-back');
    const smoke = undone.phases[0]!.items.find((item) => item.id === 'smoke')!;
    expect(smoke.state).toBe('failed');
    expect(smoke.detail).toContain('smoke: 1 of 2 checks failed');
    expect(smoke.detail).toContain('POST /cart 500');
    expect(undone.reason).toContain('Smoke job');
    const job = h.emu.get('jobs', NS, `checkout-smoke-${runRef(undone)}-smoke`)!;
    const env = job.spec.template.spec.containers[0].env as Array<{ name: string; value: string }>;
    expect(env).toEqual(expect.arrayContaining([{ name: 'TARGET', value: 'http://checkout' }, { name: 'FLIGHTDECK_RUN', value: run.id }]));
    expect(imageOf(h.emu, 'checkout')).toBe('reg/checkout:1.0.0');
    const revisions = await listRevisions(client(), { namespace: NS, deployment: 'checkout', container: 'checkout' });
    expect(revisions.at(-1)).toMatchObject({ revision: 3, image: 'reg/checkout:1.0.0' });
    expect(revisions.at(-1)!.changeCause).toBe(`flightdeck rollback run #${undone.rollbackRunId} undoing run #${run.id} requested by flightdeck`);
  });

  it('rolls back to an explicit revision, to the previous one, and refuses an unknown one with the list', async () => {
    h.seed('ledger', 'reg/ledger:1.0.0');
    const c = client();
    const ref = { namespace: NS, deployment: 'ledger', container: 'ledger' };
    await setImage(c, ref, 'reg/ledger:2.0.0', 'two');
    await setImage(c, ref, 'reg/ledger:3.0.0', 'three');

    const explicit = await rollback('ledger', '1');
    expect((await h.settle(explicit.id, ['succeeded', 'failed', 'error'])).state).toBe('succeeded');
    expect(imageOf(h.emu, 'ledger')).toBe('reg/ledger:1.0.0');

    const previous = await rollback('ledger');
    const ended = await h.settle(previous.id, ['succeeded', 'failed', 'error']);
    expect(ended.state).toBe('succeeded');
    // Revision 4 was revision 1 restored; the one before it is 3.
    expect(ended.rollbackTarget?.revision).toBe('4');
    expect(imageOf(h.emu, 'ledger')).toBe('reg/ledger:3.0.0');

    const unknown = await rollback('ledger', '42');
    const refused = await h.settle(unknown.id, ['succeeded', 'failed', 'error']);
    expect(refused.state).toBe('error');
    expect(refused.reason).toMatch(/has no revision 42; its revisions are: 2 \(reg\/ledger:2.0.0\), 4 \(reg\/ledger:1.0.0\), 5 \(reg\/ledger:3.0.0\)/);
    expect(imageOf(h.emu, 'ledger')).toBe('reg/ledger:3.0.0');
  });

  it('a second rollback of a target being rolled back is refused, and the lock is free afterwards', async () => {
    h.seed('search', 'reg/search:1.0.0');
    const c = client();
    await setImage(c, { namespace: NS, deployment: 'search', container: 'search' }, 'reg/search:2.0.0', 'two');
    const first = await rollback('search');
    await expect(rollback('search')).rejects.toMatchObject({ code: 'target-locked' });
    await h.settle(first.id, ['succeeded']);
    expect(await h.store.activeRunFor('search', 'production')).toBeNull();
  });

  it('a rollback of a deploy that had ended rewrites its history summary, so the four keys count it as a failure', async () => {
    h.seed('orders', 'reg/orders:1.0.0');
    const run = await h.deploy('orders', '2.0.0', [
      { id: 'set-image', kind: 'step', action: 'set-image' },
      { id: 'wait', kind: 'step', action: 'wait-rollout', timeout: '30s' },
    ]);
    const deployed = await h.settle(run.id, ['succeeded', 'failed', 'error']);
    expect(deployed.state).toBe('succeeded');
    const summaryOf = async (id: string) => JSON.parse((await h.redis.hget(runKeys(h.prefix).summaries, id))!);
    expect((await summaryOf(run.id)).keys).toEqual({ changedCluster: true });
    const version = await h.store.summariesVersion();

    const undo = await startRollback(
      { of: deployed, service: 'orders', environment: 'production', target: deployed.target, actor: 'U0CAROL', channel: 'C0DEPLOY', reason: 'requested by <@U0CAROL>' },
      { store: h.store, engine: h.engine, now: Date.now },
    );
    expect((await summaryOf(run.id)).keys).toEqual({ changedCluster: true, rollbackRunId: undo.id });
    expect(await h.store.summariesVersion()).not.toBe(version);
    await h.settle(undo.id, ['succeeded']);
    await h.settle(run.id, ['rolled-back']);
    const facts = await h.store.fourKeysRunsSince('orders', 'production', 0, 10);
    expect(facts.map((fact) => [fact.id, fact.kind, fact.state])).toEqual([
      [undo.id, 'rollback', 'succeeded'],
      [run.id, 'deploy', 'rolled-back'],
    ]);
    const keys = computeFourKeys(facts, { from: 0, to: Date.now() + 1 });
    expect(keys).toMatchObject({ deployments: 1, failures: 1, restored: 1 });
  });
});
