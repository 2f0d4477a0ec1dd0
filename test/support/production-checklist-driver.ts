import { expect } from 'vitest';
import { parse } from 'yaml';
import type { Run } from '../../src/run/core/run-schema.js';
import { listButtons } from '../../sandbox/slack/index.js';
import { replyText } from './reply-text.js';
import type { E2eWorld } from './start-e2e-world.js';
import { waitUntil } from './wait-until.js';

/**
 * A person's side of a run of a shipped production checklist (checklists/production*.yaml): the people and
 * roles the e2e catalogs give them, who ticks which box, and the clicks through the pre-deployment phase and
 * the four sign-offs with the four-eyes rules checked on the way.
 */

/** The catalog's roles: U0OPS also holds security, so one-person-one-sign-off has someone to refuse. */
export const PRODUCTION_ROLES = `
roles:
  tech-lead: { users: [U0LEAD] }
  security: { users: [U0SEC, U0OPS] }
  operations: { users: [U0OPS] }
  product-owner: { users: [U0PO] }
`;

export const PRODUCTION_USERS = ['U0ALICE', 'U0BOB', 'U0LEAD', 'U0SEC', 'U0OPS', 'U0PO'].map((id) => ({ id, name: id.slice(2).toLowerCase() }));

/** Who ticks each manual item: a role holder where one is named; the requester (U0ALICE) only items without a role. */
export const TICKERS: Record<string, string> = {
  'tests-passing': 'U0ALICE',
  'code-reviewed': 'U0ALICE',
  'image-scanned': 'U0SEC',
  'secrets-config': 'U0BOB',
  'database-backup': 'U0OPS',
  'migrations-ready': 'U0OPS',
  'monitoring-ready': 'U0OPS',
  'rollback-reviewed': 'U0BOB',
  'dashboards-green': 'U0BOB',
  'business-metrics': 'U0PO',
  announce: 'U0BOB',
  'user-reports-1h': 'U0BOB',
  'logs-reviewed-24h': 'U0BOB',
  'review-meeting-24h': 'U0BOB',
  'trends-7d': 'U0BOB',
  'lessons-7d': 'U0BOB',
};

/** Every Prometheus query a checklist sends for `namespace`, by the check or guard that sends it. */
export function queriesOf(checklistYaml: string, namespace: string): Record<string, string> {
  const doc = parse(checklistYaml) as { phases: Array<{ items: Array<{ id: string; probe?: { query?: string } }> }>; guards: Array<{ id: string; probe: { query?: string } }> };
  const probes = [...doc.phases.flatMap((phase) => phase.items), ...doc.guards];
  return Object.fromEntries(probes.filter((p) => p.probe?.query).map((p) => [p.id, p.probe!.query!.replaceAll('{{namespace}}', namespace)]));
}

export function itemOf(run: Run, itemId: string) {
  return run.phases.flatMap((phase) => phase.items).find((item) => item.id === itemId)!;
}

export interface ProductionDriver {
  /** `/deploy <service> <version> to <environment>` (production unless given) as U0ALICE; the run once its message is posted. */
  deploy(service: string, version: string, environment?: string): Promise<Run>;
  /** Clicks `actionId` as `userId` once the button shows in the message at `messageTs`. */
  press(userId: string, actionId: string, messageTs: string): Promise<void>;
  /** Ticks the pre-deployment phase and gives the four sign-offs, checking the four-eyes rules on the way. */
  clearTheGates(run: Run): Promise<void>;
  /** The run once the phase at `index` is in `state`. */
  phaseReaches(run: Run, index: number, state: 'active' | 'done', timeoutMs?: number): Promise<Run>;
}

export function driveProduction(world: E2eWorld, channel: string): ProductionDriver {
  const { driver, slack, store } = world;

  async function press(userId: string, actionId: string, messageTs: string): Promise<void> {
    await waitUntil(`${actionId} in the message`, () => (listButtons(slack.message(channel, messageTs)?.blocks ?? []).some((b) => b.actionId === actionId) ? true : undefined));
    expect((await driver.clickButton({ userId, channelId: channel, messageTs, actionId })).status).toBe(200);
  }

  async function refusedFor(run: Run, userId: string, count: number): Promise<string[]> {
    return waitUntil(`${count} refusal(s) of ${userId} in the audit`, async () => {
      const refused = (await store.audit(run.id)).filter((entry) => entry.action === 'action.refused' && entry.actor === userId).map((entry) => entry.detail);
      return refused.length >= count ? refused : undefined;
    });
  }

  async function phaseReaches(run: Run, index: number, state: 'active' | 'done', timeoutMs = 60_000): Promise<Run> {
    return waitUntil(`phase ${index} of run ${run.id} ${state}`, async () => {
      const current = (await store.get(run.id))!;
      return current.phases[index]!.state === state ? current : undefined;
    }, timeoutMs);
  }

  return {
    press,
    phaseReaches,
    async deploy(service, version, environment = 'production') {
      const response = await driver.slashCommand({ command: '/deploy', text: `${service} ${version} to ${environment}`, userId: 'U0ALICE', channelId: channel });
      const id = /Run #(\d+)/.exec(replyText(response))?.[1];
      expect(id, replyText(response)).toBeDefined();
      return waitUntil('the run message', async () => {
        const run = await store.get(id!);
        return run?.messageTs ? run : undefined;
      });
    },
    async clearTheGates(run) {
      const ts = run.messageTs!;
      const pre = run.phases[0]!.items.filter((item) => item.kind === 'manual').map((item) => item.id);
      // A role-restricted box is someone else's check: the requester may not tick the security scan.
      await press('U0ALICE', 'item.tick.image-scanned', ts);
      expect((await refusedFor(run, 'U0ALICE', 1))[0]).toContain('security');
      for (const itemId of pre) await press(TICKERS[itemId]!, `item.tick.${itemId}`, ts);
      const ticked = await phaseReaches(run, 0, 'done', 20_000);
      expect(pre.map((itemId) => itemOf(ticked, itemId)).map((item) => (item.kind === 'manual' ? item.by : ''))).toEqual(pre.map((itemId) => TICKERS[itemId]));

      await press('U0ALICE', 'item.approve.signoff-tech-lead', ts);
      await refusedFor(run, 'U0ALICE', 2);
      await press('U0OPS', 'item.approve.signoff-operations', ts);
      // U0OPS also holds security, but with distinctSigners one person counts for one sign-off.
      await press('U0OPS', 'item.approve.signoff-security', ts);
      await refusedFor(run, 'U0OPS', 1);
      for (const [userId, itemId] of [['U0SEC', 'signoff-security'], ['U0LEAD', 'signoff-tech-lead'], ['U0PO', 'signoff-product-owner']] as const) {
        await press(userId, `item.approve.${itemId}`, ts);
      }
      const approved = await phaseReaches(run, 1, 'done', 20_000);
      expect(approved.phases[1]!.items.map((item) => (item.kind === 'signoff' ? item.approvals.map((a) => a.by).join() : ''))).toEqual(['U0LEAD', 'U0SEC', 'U0OPS', 'U0PO']);
    },
  };
}
