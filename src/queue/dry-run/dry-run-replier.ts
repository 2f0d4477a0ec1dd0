import { z } from 'zod';
import type { Checklist } from '../../checklist/checklist-schema.js';
import type { Catalog } from '../../config/catalog-schema.js';
import type { FreezeStore } from '../../deploy-windows/freeze-store.js';
import type { DryRunPlan } from './dry-run-plan.js';

/** How far back a dry run replays the guards unless `--replay` says otherwise. */
export const DEFAULT_REPLAY_MS = 24 * 3_600_000;

/** A `dry-run` job: who asked for which deploy, and where the answer goes (Slack's response URL of the command). */
export const dryRunJobSchema = z.object({
  service: z.string().min(1),
  environment: z.string().min(1),
  version: z.string().min(1),
  requestedBy: z.string().min(1),
  responseUrl: z.url(),
  /** How far back the guards are replayed; 24 h when a job of an older version has none. */
  replayMs: z.number().int().positive().default(DEFAULT_REPLAY_MS),
});
export type DryRunJob = z.input<typeof dryRunJobSchema>;

/**
 * The port through which the dry-run worker answers the person who asked; the Slack implementation words the
 * plan (src/slack/views) and posts it to the response URL, so only they see it.
 */
export interface DryRunReplier {
  /**
   * Posts the plan, or why there is none (`error`: a coded refusal such as k8s-forbidden, worded by the
   * catalogue). Rejects when the response URL refuses it (expired, used five times) or cannot be reached.
   */
  reply(responseUrl: string, outcome: { plan: DryRunPlan } | { error: unknown }): Promise<void>;
}

/** What the dry-run worker reads besides the shared worker dependencies. */
export interface DryRunDeps {
  /** The catalog and checklists the web role decided the request against. */
  config: { catalog: Catalog; checklists: Map<string, Checklist> };
  /** Freezes declared with `/deploy freeze`. */
  freezes: FreezeStore;
  replier: DryRunReplier;
  /** The fetch guard replays query Prometheus with (the outbound transport: proxies honoured). */
  fetch: typeof fetch;
}
