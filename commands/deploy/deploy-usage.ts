/** The forms of `/deploy`, one usage line each: `help` lists them all, a usage error shows its own. */
export const DEPLOY_FORMS = ['deploy', 'modal', 'status', 'history', 'stats', 'lock', 'unlock', 'freeze', 'unfreeze', 'cancel', 'log', 'help'] as const;
export type DeployForm = (typeof DEPLOY_FORMS)[number];

export const DEPLOY_USAGE: Readonly<Record<DeployForm, string>> = {
  deploy: '`/deploy <service> <version> [to <environment>] [--dry-run [--replay <hours>h] | --emergency <reason>]` — deploy a version, e.g. `/deploy api v1.4.2 to production`; `--dry-run` only shows you what it would change and run, and how its guards would have fared over the last day; `--emergency` overrides deploy windows and freezes, with a second person\'s approval',
  modal: '`/deploy` — open a form to pick the service, environment and version',
  status: '`/deploy status [service]` — active runs and locks; with a service, each of its environments',
  history: '`/deploy history <service> [environment]` — the last runs: version, who, outcome, duration',
  stats: '`/deploy stats [service] [environment] [--days 30]` — the four keys: deployment frequency, change failure rate, time to restore, lead time',
  lock: '`/deploy lock <service> <environment> <reason>` — refuse new deployments there until unlocked',
  unlock: '`/deploy unlock <service> <environment>` — remove a lock taken with `/deploy lock`',
  freeze: '`/deploy freeze <environment> <duration|until> <reason>` — refuse every deployment there for a while (`4h`, `2d`) or until a date (`2026-12-24`, `2026-12-24T18:00Z`); rollbacks still run',
  unfreeze: '`/deploy unfreeze <environment>` — lift a freeze declared with `/deploy freeze`',
  cancel: '`/deploy cancel <run> [reason]` — stop a run; once it has changed the cluster, it is rolled back',
  log: '`/deploy log <run> [<step>]` — the run\'s deployment log: who did what when, checks, steps, incidents, rollback; with a `job` step\'s id, its Job\'s whole log as a file in the run\'s thread',
  help: '`/deploy help [subcommand]` — show this help, or one subcommand\'s',
};

/** Words that are subcommands: never read as a service name, whatever the catalog holds. */
export const SUBCOMMANDS = ['status', 'history', 'stats', 'lock', 'unlock', 'freeze', 'unfreeze', 'cancel', 'log', 'help'] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];

/** Every form's usage line, in the order `help` shows them. */
export function allUsage(): string[] {
  return DEPLOY_FORMS.map((form) => DEPLOY_USAGE[form]);
}
