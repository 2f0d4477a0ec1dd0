import { entry } from './catalogue-entry.js';

/*
 * What an operator reads when the run store cannot do what was asked: Redis state another installation or
 * version wrote, a document that kept changing, a bug in how a run was made. Mostly read in logs and at
 * start-up, some in Slack.
 */

export const STORE_ERRORS = {
  'redis-unreachable': entry({
    code: 'redis-unavailable',
    text: ({ cause }: { cause: string }) => `Cannot reach Redis at REDIS_URL: ${cause}`,
    remedy: () => 'Run it where REDIS_URL and REDIS_PREFIX are those of the flightdeck installation.',
  }),
  'run-migration-missing': entry({
    code: 'internal',
    text: ({ version }: { version: number }) => `No run schema migration from version ${version}; run-migrations.ts lacks one.`,
  }),
  'run-exists': entry({
    code: 'internal',
    text: ({ runId }: { runId: string }) => `Run ${runId} already exists; run ids must come from nextRunId().`,
  }),
  'not-a-rollback': entry({
    code: 'internal',
    text: ({ runId }: { runId: string }) => `Run ${runId} is not a rollback run.`,
  }),
  'run-missing': entry({
    code: 'run-not-found',
    text: ({ runId }: { runId: string }) => `Run ${runId} does not exist.`,
  }),
  'run-kept-changing': entry({
    code: 'store-conflict',
    text: ({ runId, attempts }: { runId: string; attempts: number }) => `Run ${runId} kept changing under us; gave up after ${attempts} attempts.`,
    remedy: () => 'Try again in a moment.',
  }),
  'run-schema-version': entry({
    code: 'internal',
    text: ({ runId, stored, oldest, read }: { runId: string; stored: string; oldest: number; read: number }) =>
      `Run ${runId} was stored with run schema version ${stored}; this flightdeck reads versions ${oldest} to ${read}.`,
    remedy: () => 'Run the flightdeck version that wrote it (a newer one: finish the upgrade instead of rolling back), or end and delete the run.',
  }),
  'key-prefix-invalid': entry({
    code: 'config-invalid',
    text: ({ prefix }: { prefix: string }) => `The Redis key prefix "${prefix}" must be non-empty and contain no braces.`,
  }),
  'prefix-of-another-installation': entry({
    code: 'config-invalid',
    text: ({ prefix, owner, ownerClusters, since, installation }: { prefix: string; owner: string; ownerClusters: string; since: string; installation: string; key: string }) =>
      `REDIS_PREFIX "${prefix}" belongs to installation "${owner}"${ownerClusters ? ` (clusters ${ownerClusters})` : ''}${since ? ` since ${since}` : ''}; this is "${installation}".`,
    remedy: ({ owner, key }) =>
      `Give this installation a prefix of its own (REDIS_PREFIX; the Helm chart defaults it to the release name), or another Redis. If "${owner}" is gone for good, delete the key ${key}.`,
  }),
  'prefix-on-other-clusters': entry({
    code: 'config-invalid',
    text: ({ prefix, owner, ownerClusters, since, clusters }: { prefix: string; owner: string; ownerClusters: string; since: string; clusters: string; key: string }) =>
      `REDIS_PREFIX "${prefix}" belongs to installation "${owner}" on clusters ${ownerClusters}${since ? ` since ${since}` : ''}; this process of it drives ${clusters}.`,
    remedy: ({ key }) =>
      `Two installations with one name share this prefix: give one another FLIGHTDECK_INSTALLATION and REDIS_PREFIX. If this installation really moved to other clusters, delete the key ${key} once every old process has stopped.`,
  }),
  'checklist-duration-invalid': entry({
    code: 'checklist-invalid',
    text: ({ what, text }: { what: string; text: string }) => `The ${what} "${text}" is not a duration.`,
    remedy: () => 'Use a whole number and a unit, e.g. 90s or 10m.',
  }),
};
