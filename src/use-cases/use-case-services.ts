import type { Gate } from '../auth/gate.js';
import type { RoleResolver } from '../auth/role-resolver.js';
import type { ApiScopes } from '../config/api-tokens.js';
import type { Config } from '../config/load-config.js';
import type { FreezeStore } from '../deploy-windows/freeze-store.js';
import type { RunEngine } from '../queue/engine/run-engine.js';
import type { RunStore } from '../run/store/run-store.js';

/** Who asks, and from which channel: the parts of a request a use case may rely on, whatever the entry point. */
export interface Requester {
  /** Slack user id, or `api:<token name>` for the HTTP API. */
  userId: string;
  /** Empty when the request came from no channel (the HTTP API): the run posts in its environment's channel, else the default one. */
  channelId: string;
  /** How the request came: typed (default), submitted from the `/deploy` modal, or the HTTP API; refusals are audited as such. */
  via?: 'command' | 'modal' | 'api';
  /** The API token's scopes, its rights in place of roles; set exactly when `via` is `api`. */
  scopes?: ApiScopes;
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
