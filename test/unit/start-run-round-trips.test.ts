import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checklistSchema } from '../../src/checklist/checklist-schema.js';
import { catalogSchema } from '../../src/config/catalog-schema.js';
import type { Config } from '../../src/config/load-config.js';
import { catalogued } from '../../src/errors/error-catalogue.js';
import type { Run } from '../../src/run/core/run-schema.js';
import { startRun } from '../../src/use-cases/start-run.js';
import type { UseCaseServices } from '../../src/use-cases/use-case-services.js';
import { E2E_CATALOG, E2E_CHECKLIST } from '../e2e/fixtures.js';

/*
 * Issue 16: the run id is asked for while the gate reads, not after it decided, so a /deploy that creates a
 * run waits for one Redis round trip fewer.
 */

/** A Redis reply: after the event loop has turned once, as a real one arrives. */
const reply = () => new Promise<void>((resolve) => setImmediate(resolve));

function world(decide: () => Promise<void>) {
  const asked: string[] = [];
  /** What had been asked for when the gate's read came back. */
  let askedWhenGateRead: string[] = [];
  const created: Run[] = [];
  const services = {
    config: { catalog: catalogSchema.parse(parse(E2E_CATALOG)), checklists: new Map([['release', checklistSchema.parse(parse(E2E_CHECKLIST))]]) } as unknown as Config,
    now: () => 1_700_000_000_000,
    gate: {
      async authorize() {
        asked.push('gate');
        await reply();
        askedWhenGateRead = [...asked];
        await decide();
        return { run: null, environment: 'production', roles: [] };
      },
    },
    store: {
      async nextRunId() {
        asked.push('run id');
        await reply();
        return '7';
      },
      async create(run: Run) {
        created.push(run);
        return { created: true, run };
      },
    },
    engine: { dispatch: async () => {}, announceEmergency: async () => {} },
  } as unknown as UseCaseServices;
  return { services, asked, created, askedWhenGateRead: () => askedWhenGateRead };
}

const request = { service: 'api', version: 'v2.0.0', environment: 'production' };
const alice = { userId: 'U0ALICE', channelId: 'C0DEPLOY' };

describe('startRun', () => {
  it('asks for the run id while the gate reads, and creates the run under it once the gate allows', async () => {
    const { services, asked, created, askedWhenGateRead } = world(async () => {});
    const run = await startRun(request, alice, services);
    expect(askedWhenGateRead()).toEqual(['gate', 'run id']);
    expect(asked).toEqual(['gate', 'run id']);
    expect(run.id).toBe('7');
    expect(created.map((r) => r.id)).toEqual(['7']);
  });

  it('creates nothing when the gate refuses, though the id was taken', async () => {
    const { services, asked, created } = world(async () => {
      throw catalogued('role-missing', { what: 'deploy api to production', roles: ['deployers'] });
    });
    await expect(startRun(request, alice, services)).rejects.toMatchObject({ code: 'forbidden' });
    expect(asked).toEqual(['gate', 'run id']);
    expect(created).toEqual([]);
  });
});
