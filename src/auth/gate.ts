import type { ApiScopes } from '../config/api-tokens.js';
import type { CatalogEnvironment } from '../config/catalog-schema.js';
import type { Run } from '../run/core/run-schema.js';
import type { RunStore } from '../run/store/run-store.js';
import { decide, GATE_RULES, type GateAction, type GateFacts } from './gate-rules.js';
import type { RoleResolver } from './role-resolver.js';
import type { FreezeStore } from '../deploy-windows/freeze-store.js';
import { catalogFreezes, windowStateAt } from '../deploy-windows/window-state.js';

/** One question to the gate: may `userId` do `action` to this run (or target) now? Only ids come from the request. */
export interface GateRequest {
  action: GateAction;
  userId: string;
  /**
   * How it arrived: a refused command is audited as `command.refused`, an HTTP API request as `api.refused`,
   * anything else as `action.refused`.
   */
  via: 'command' | 'button' | 'modal' | 'api';
  /** An API token's scopes, its rights in place of roles; set exactly when `via` is `api`. */
  scopes?: ApiScopes | undefined;
  /** What was asked, for the audit entry, e.g. `/deploy cancel 7` or `run.pause`. */
  what: string;
  /** The run acted on; its stored environment and target win over anything else the request names. */
  runId?: string | undefined;
  /**
   * The run `runId` as this request already read it from the store (with its delivery claim, in the same
   * round trip), used instead of reading it again; never anything taken from the payload.
   */
  read?: (() => Run | null) | undefined;
  /** The target when no run is named (deploy, lock, a rollback of the service as it stands). */
  target?: { service: string; environment: string } | undefined;
  itemId?: string;
  guardId?: string;
}

/** What the gate read and allowed on: callers act on this run, not on the payload. */
export interface GateDecision {
  run: Run | null;
  environment: string;
  roles: string[];
}

export interface GateServices {
  config: { catalog: { environments: Readonly<Record<string, Pick<CatalogEnvironment, 'deployers' | 'rollbackers' | 'freezers' | 'deployWindows' | 'freezes' | 'emergency'>>> } };
  store: Pick<RunStore, 'get' | 'activeRunFor' | 'history' | 'auditOnly'>;
  roles: Pick<RoleResolver, 'rolesOf'>;
  now: () => number;
  /** Whether flightdeck opened an incident for this run and guard (the on-call DM's Acknowledge). */
  incidentExists?: (runId: string, guardId: string) => Promise<boolean>;
  /** Freezes declared with `/deploy freeze`; without it only the catalog's freezes count. */
  freezes?: Pick<FreezeStore, 'active'>;
}

export interface Gate {
  /**
   * Reads the run, its target and the user's roles, applies the action's rules (gate-rules.ts), and either
   * returns what it read or appends the refusal to the audit stream and throws it.
   *
   * @throws FlightdeckError the first refusing rule's error (`forbidden`, `target-locked`, `run-not-found`,
   *   `item-not-found`), after auditing it.
   */
  authorize(request: GateRequest): Promise<GateDecision>;
}

export function createGate(services: GateServices): Gate {
  return {
    async authorize(request) {
      const facts = await readFacts(services, request);
      const refused = decide(request.action, facts);
      if (!refused) return { run: facts.run, environment: facts.environmentName, roles: [...facts.roles] };
      await services.store.auditOnly({
        run: facts.run?.id ?? request.runId ?? '',
        actor: request.userId,
        action: REFUSAL_ACTIONS[request.via],
        detail: `${request.what}: ${refused.error.message} [${request.action}: ${refused.rule}]`,
        at: services.now(),
      });
      throw refused.error;
    },
  };
}

const REFUSAL_ACTIONS: Record<GateRequest['via'], string> = { command: 'command.refused', api: 'api.refused', button: 'action.refused', modal: 'action.refused' };

async function readFacts(services: GateServices, request: GateRequest): Promise<GateFacts> {
  const run = request.runId ? (request.read ? request.read() : await services.store.get(request.runId)) : null;
  const service = run?.service ?? request.target?.service ?? '';
  const environmentName = run?.environment ?? request.target?.environment ?? '';
  const { environments } = services.config.catalog;
  const facts: GateFacts = {
    userId: request.userId,
    // A token holds no roles: its scopes decide instead (and its name must never match a catalog user).
    roles: request.scopes ? [] : await services.roles.rolesOf(request.userId),
    environmentName,
    serviceName: service,
    ...(request.scopes ? { scopes: request.scopes } : {}),
    environment: Object.hasOwn(environments, environmentName) ? environments[environmentName] : undefined,
    run,
    ...(request.runId === undefined ? {} : { runId: request.runId }),
    ...(request.itemId === undefined ? {} : { itemId: request.itemId }),
  };
  if (GATE_RULES[request.action].includes('undoes-current-run')) {
    facts.lockHolder = await services.store.activeRunFor(service, environmentName);
    [facts.newest = null] = await services.store.history(service, environmentName, 1);
  }
  const environment = facts.environment as Pick<CatalogEnvironment, 'deployWindows' | 'freezes'> | undefined;
  if (GATE_RULES[request.action].includes('deploy-window') && environment) {
    const now = services.now();
    const timeZone = environment.deployWindows?.timeZone ?? 'UTC';
    const declared = await services.freezes?.active(environmentName, now);
    facts.window = windowStateAt(environment.deployWindows, [...catalogFreezes(environment.freezes, timeZone), ...(declared ? [declared] : [])], now);
  }
  if (request.action === 'incident.acknowledge' && run && request.guardId !== undefined) {
    facts.incidentOpen = (await services.incidentExists?.(run.id, request.guardId)) ?? false;
  }
  return facts;
}
