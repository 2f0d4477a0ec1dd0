import { catalogued } from '../errors/error-catalogue.js';
import type { ApiScopes } from '../config/api-tokens.js';
import type { CatalogEnvironment } from '../config/catalog-schema.js';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import { approveRefusal, tickRefusal } from '../run/core/item-policy.js';
import type { Run } from '../run/core/run-schema.js';
import type { WindowState } from '../deploy-windows/window-state.js';
import { canActWithScopes, canDeploy, canFreeze, canRollback } from './authorize.js';

/*
 * Who may do what, in one table. Every entry point (slash command, button, modal submission, on-call DM)
 * asks the gate (gate.ts) for one of these actions; the gate reads the facts from Redis and Slack and
 * applies the action's rules in order. The first rule that refuses decides, and the refusal is audited.
 * docs/commands.md lists this table; keep the two in step.
 */

/** What a person asks to do. */
export type GateAction =
  | 'deploy.start'
  | 'deploy.emergency'
  | 'deploy.dry-run'
  | 'target.lock'
  | 'target.unlock'
  | 'run.start'
  | 'run.pause'
  | 'run.resume'
  | 'run.abort'
  | 'run.cancel'
  | 'run.log'
  | 'item.tick'
  | 'item.approve'
  | 'rollback.request'
  | 'rollback.confirm'
  | 'incident.rollback'
  | 'incident.acknowledge'
  | 'incident.hold'
  | 'env.freeze'
  | 'env.unfreeze';

/** What the gate read before deciding; nothing here comes from a payload except the ids it was looked up by. */
export interface GateFacts {
  userId: string;
  /** Catalog roles the user holds (user groups resolved through Slack). */
  roles: readonly string[];
  /** The environment acted in: the stored run's, else the named target's. */
  environmentName: string;
  /** The service acted on, found the same way (the gate always sets it; only the scope rules read it). */
  serviceName?: string;
  /** Set when an API token acts (`userId` is then `api:<name>`): its scopes are its rights, it holds no roles. */
  scopes?: ApiScopes;
  /** That environment in the catalog; undefined when it is not (any more). */
  environment: Pick<CatalogEnvironment, 'deployers' | 'rollbackers' | 'freezers' | 'emergency'> | undefined;
  /** The stored run acted on (for a rollback: the run it undoes); null when none was named or found. */
  run: Run | null;
  /** The run id the request named, whether or not it was found. */
  runId?: string;
  /** The item clicked, for item actions. */
  itemId?: string;
  /** For rollbacks: the unfinished run holding the target's lock (null when free or a person's lock). */
  lockHolder?: Run | null;
  /** For rollbacks: the newest run in the target's history. */
  newest?: Run | null;
  /** For the on-call DM: whether flightdeck opened an incident for this run and guard. */
  incidentOpen?: boolean;
  /** For deploys: whether the environment takes deployments now (its windows and freezes). */
  window?: WindowState;
}

export type RuleName =
  | 'run-exists'
  | 'named-run-exists'
  | 'environment-known'
  | 'deployer'
  | 'rollbacker'
  | 'run-operator'
  | 'may-tick'
  | 'may-approve'
  | 'undoes-current-run'
  | 'incident-exists'
  | 'freezer'
  | 'deploy-window'
  | 'emergency-deployer';

interface Rule {
  /** What the rule demands, in the words docs/commands.md uses. */
  says: string;
  /** The refusal, or null when the facts satisfy the rule. Pure. */
  refuse(facts: GateFacts): FlightdeckError | null;
}

export const RULES: Record<RuleName, Rule> = {
  'run-exists': {
    says: 'the run named by the button or command exists',
    refuse: (facts) => (facts.run ? null : catalogued('run-gone', { runId: facts.runId ?? '?' })),
  },
  'named-run-exists': {
    says: 'when a run is named, it exists (a rollback may also name none: the service as it stands)',
    refuse: (facts) => (facts.runId === undefined ? null : RULES['run-exists'].refuse(facts)),
  },
  'environment-known': {
    says: "the run's (or target's) environment is still in the catalog",
    refuse: (facts) =>
      facts.environment
        ? null
        : catalogued('environment-not-in-catalog', { environment: facts.environmentName }),
  },
  deployer: {
    says: "the user holds one of the environment's `deployers` roles (anyone when it lists none); an API token: its scopes name the service and the environment",
    refuse: (facts) =>
      refusalOf(() => (facts.scopes ? canActWithScopes(tokenOf(facts), facts.scopes, facts.serviceName ?? '', facts.environmentName, 'deploy') : canDeploy(facts.roles, facts.environmentName, facts.environment ?? {}))),
  },
  rollbacker: {
    says: "the user holds one of the environment's `rollbackers` roles (its `deployers` when it lists none); an API token: its scopes name the service and the environment",
    refuse: (facts) =>
      refusalOf(() => (facts.scopes ? canActWithScopes(tokenOf(facts), facts.scopes, facts.serviceName ?? '', facts.environmentName, 'roll back') : canRollback(facts.roles, facts.environmentName, facts.environment ?? {}))),
  },
  'run-operator': {
    says: '`deployer` for a deploy run, `rollbacker` for a rollback run',
    refuse: (facts) => (facts.run?.kind === 'rollback' ? RULES.rollbacker : RULES.deployer).refuse(facts),
  },
  'may-tick': {
    says: "the user holds the item's `role`; the requester only where the item has `requesterMayTick`",
    refuse: (facts) => {
      const item = itemOf(facts);
      return item instanceof FlightdeckError ? item : tickRefusal(facts.run!, item, facts.userId, facts.roles);
    },
  },
  'may-approve': {
    says: "the user holds the sign-off's `role`; not the requester unless `allowSelf` (four eyes); with `distinctSigners`, not someone who signed off another item of the run",
    refuse: (facts) => {
      const item = itemOf(facts);
      return item instanceof FlightdeckError ? item : approveRefusal(facts.run!, item, facts.userId, facts.roles);
    },
  },
  'undoes-current-run': {
    says: "the run undone is the one holding the target's lock, or (when no deploy holds it) the newest run in the target's history; no other rollback is in flight",
    refuse: refuseStaleUndo,
  },
  freezer: {
    says: "the user holds one of the environment's `freezers` roles (its `deployers` when it lists none)",
    refuse: (facts) => refusalOf(() => canFreeze(facts.roles, facts.environmentName, facts.environment ?? {})),
  },
  'deploy-window': {
    says: 'the environment takes deployments now: inside one of its `deployWindows` and in no freeze (rollbacks are never held)',
    refuse: (facts) => {
      const window = facts.window;
      if (!window || window.open) return null;
      if (window.kind === 'frozen') {
        return catalogued('deploy-frozen', { environment: facts.environmentName, reason: window.freeze.reason, by: window.freeze.by, until: window.freeze.until, opensAt: window.opensAt });
      }
      return catalogued('outside-deploy-window', { environment: facts.environmentName, opensAt: window.opensAt, timeZone: window.timeZone });
    },
  },
  'emergency-deployer': {
    says: "the environment has an `emergency` override and the user holds one of its `deployers` roles (windows and freezes do not apply; a second person's approval does)",
    refuse: (facts) => {
      const emergency = facts.environment?.emergency;
      if (!emergency) return catalogued('emergency-not-configured', { environment: facts.environmentName });
      return refusalOf(() => canDeploy(facts.roles, facts.environmentName, { deployers: emergency.deployers }));
    },
  },
  'incident-exists': {
    says: 'flightdeck opened an incident for this run and guard',
    refuse: (facts) =>
      facts.incidentOpen ? null : catalogued('no-incident', { runId: facts.run?.id ?? '?' }),
  },
};

/** The rule table: for each action, the rules that must all hold, checked in this order. */
export const GATE_RULES: Record<GateAction, readonly RuleName[]> = {
  'deploy.start': ['environment-known', 'deployer', 'deploy-window'],
  'deploy.emergency': ['environment-known', 'emergency-deployer'],
  // Windows and freezes do not hold a dry run: it changes nothing, and its plan shows them.
  'deploy.dry-run': ['environment-known', 'deployer'],
  'target.lock': ['environment-known', 'deployer'],
  'target.unlock': ['environment-known', 'deployer'],
  'run.start': ['run-exists', 'environment-known', 'run-operator'],
  'run.pause': ['run-exists', 'environment-known', 'run-operator'],
  'run.resume': ['run-exists', 'environment-known', 'run-operator'],
  'run.abort': ['run-exists', 'environment-known', 'run-operator'],
  'run.cancel': ['run-exists', 'environment-known', 'run-operator'],
  // Reading a run's log is open, as `/deploy status` and `history` are: it says what the thread already shows.
  'run.log': ['run-exists'],
  'item.tick': ['run-exists', 'may-tick'],
  'item.approve': ['run-exists', 'may-approve'],
  'rollback.request': ['named-run-exists', 'environment-known', 'rollbacker', 'undoes-current-run'],
  'rollback.confirm': ['named-run-exists', 'environment-known', 'rollbacker', 'undoes-current-run'],
  'incident.rollback': ['run-exists', 'environment-known', 'rollbacker', 'undoes-current-run'],
  // Acknowledging a page decides "not rolling back yet": the same people who may roll back decide it.
  'incident.acknowledge': ['run-exists', 'environment-known', 'rollbacker', 'incident-exists'],
  // Holding a run whose Jobs cannot be undone decides against rolling its image back: a rollbacker's call.
  'incident.hold': ['run-exists', 'environment-known', 'rollbacker'],
  'env.freeze': ['environment-known', 'freezer'],
  'env.unfreeze': ['environment-known', 'freezer'],
};

/** The first refusal among `action`'s rules, with the rule that made it; null when every rule holds. Pure. */
export function decide(action: GateAction, facts: GateFacts): { rule: RuleName; error: FlightdeckError } | null {
  for (const rule of GATE_RULES[action]) {
    const error = RULES[rule].refuse(facts);
    if (error) return { rule, error };
  }
  return null;
}

function refusalOf(check: () => void): FlightdeckError | null {
  try {
    check();
    return null;
  } catch (err) {
    if (err instanceof FlightdeckError) return err;
    throw err;
  }
}

/** The token's name: an API actor is `api:<name>`. */
function tokenOf(facts: GateFacts): string {
  return facts.userId.replace(/^api:/, '');
}

function itemOf(facts: GateFacts) {
  const item = facts.run?.phases.flatMap((phase) => phase.items).find((candidate) => candidate.id === facts.itemId);
  return item ?? catalogued('no-such-item', { runId: facts.run?.id ?? '?', itemId: facts.itemId ?? '' });
}

/**
 * A rollback acts on the target as it is now: it may undo the run in flight there, or the newest run when
 * none is in flight. Undoing an older run while another deploy holds the lock would take that deploy's
 * lock and leave two runs acting on one Deployment.
 */
function refuseStaleUndo(facts: GateFacts): FlightdeckError | null {
  const { run, lockHolder, newest, environmentName } = facts;
  if (lockHolder?.kind === 'rollback') {
    return catalogued('rollback-in-flight', { service: lockHolder.service, environment: environmentName, runId: lockHolder.id });
  }
  if (!run) return null;
  if (lockHolder && lockHolder.id !== run.id) {
    const { id, version, state, requestedBy } = lockHolder;
    return catalogued('undo-beside-run', { service: lockHolder.service, environment: environmentName, holder: { id, version, state, requestedBy }, runId: run.id });
  }
  if (!lockHolder && newest && newest.id !== run.id) {
    return catalogued('undo-not-newest', { service: run.service, environment: environmentName, runId: run.id, newestId: newest.id });
  }
  return null;
}
