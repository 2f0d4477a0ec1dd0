import type { Gate } from '../auth/gate.js';
import type { RoleResolver } from '../auth/role-resolver.js';
import type { Config } from '../config/load-config.js';
import type { FreezeStore } from '../deploy-windows/freeze-store.js';
import type { RunEngine } from '../queue/engine/run-engine.js';
import type { RunStore } from '../run/store/run-store.js';

/** Who asks, and from which channel: the parts of a request a use case may rely on, whatever the entry point. */
export interface Requester {
  /** Slack user id. */
  userId: string;
  channelId: string;
  /** How the request came: typed (default) or submitted from the `/deploy` modal; refusals are audited as such. */
  via?: 'command' | 'modal';
}

/** What the use cases need. They record and enqueue; none of them calls a cluster, so each fits in Slack's ack window. */
export interface UseCaseServices {
  config: Config;
  store: RunStore;
  engine: RunEngine;
  /** Which catalog roles a Slack user holds (user groups resolved and cached). */
  roles: RoleResolver;
  /** The one authorization gate every entry point asks before it acts (src/auth/gate-rules.ts). */
  gate: Gate;
  /** Freezes declared with `/deploy freeze`. */
  freezes: FreezeStore;
  now: () => number;
}
