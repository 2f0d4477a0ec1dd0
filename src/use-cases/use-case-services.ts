import type { RoleResolver } from '../auth/role-resolver.js';
import type { Config } from '../config/load-config.js';
import type { RunEngine } from '../queue/run-engine.js';
import type { RunStore } from '../run/store/run-store.js';

/** Who asks, and from which channel: the parts of a request a use case may rely on, whatever the entry point. */
export interface Requester {
  /** Slack user id. */
  userId: string;
  channelId: string;
}

/** What the use cases need. They record and enqueue; none of them calls a cluster, so each fits in Slack's ack window. */
export interface UseCaseServices {
  config: Config;
  store: RunStore;
  engine: RunEngine;
  /** Which catalog roles a Slack user holds (user groups resolved and cached). */
  roles: RoleResolver;
  now: () => number;
}
