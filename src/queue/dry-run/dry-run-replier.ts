import type { Checklist } from '../../checklist/checklist-schema.js';
import type { Catalog } from '../../config/catalog-schema.js';
import type { FreezeStore } from '../../deploy-windows/freeze-store.js';
import type { DryRunAnswerTo } from './dry-run-job.js';
import type { DryRunPlan } from './dry-run-plan.js';

/**
 * The port through which the dry-run worker answers the person who asked; the Slack implementation words the
 * plan (src/slack/views) and posts it to the response URL or as an ephemeral message, so only they see it.
 */
export interface DryRunReplier {
  /**
   * Posts the plan, or why there is none (`error`: a coded refusal such as k8s-forbidden, worded by the
   * catalogue). Rejects when the response URL refuses it (expired, used five times), when Slack refuses the
   * ephemeral message (the bot is not in the channel), or when Slack cannot be reached.
   */
  reply(to: DryRunAnswerTo, outcome: { plan: DryRunPlan } | { error: unknown }): Promise<void>;
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
