import { escapeMrkdwn } from '../format/escape-mrkdwn.js';
import { entry } from './catalogue-entry.js';

/*
 * What a person reads when the gate (src/auth) or a use case refuses who they are or what they named.
 * Slack mrkdwn, like the rest of the catalogue.
 */

export const ACCESS_REFUSALS = {
  'role-missing': entry({
    code: 'forbidden',
    text: ({ what, roles }: { what: string; roles: readonly string[] }) => {
      const names = roles.map((role) => `\`${role}\``);
      return `You may not ${what}: that needs ${names.length === 1 ? `the role ${names[0]}` : `one of the roles ${names.join(', ')}`}.`;
    },
    remedy: () => 'Ask someone who holds it, or ask whoever maintains flightdeck.yaml to add you.',
  }),
  'scope-missing': entry({
    code: 'forbidden',
    text: ({ token, what, scopes }: { token: string; what: string; scopes: { services: readonly string[]; environments: readonly string[] } }) => {
      const list = (names: readonly string[]) => names.map((name) => `\`${name}\``).join(', ');
      return `The API token \`${token}\` may not ${what}: its scopes cover the services ${list(scopes.services)} in the environments ${list(scopes.environments)}.`;
    },
    remedy: () => "Ask whoever keeps flightdeck's API_TOKENS Secret to widen the token's scopes, or use a token that has them.",
  }),
  'environment-not-in-catalog': entry({
    code: 'forbidden',
    text: ({ environment }: { environment: string }) => `The environment \`${environment}\` is not in the catalog, so nobody may act on it from Slack.`,
  }),
  'no-incident': entry({
    code: 'forbidden',
    text: ({ runId }: { runId: string }) => `There is no incident of run #${runId} for that guard to acknowledge.`,
  }),
  // A run id comes from a button's value or a person's text, so it is escaped.
  'run-gone': entry({
    code: 'run-not-found',
    text: ({ runId }: { runId: string }) => `Run #${escapeMrkdwn(runId)} does not exist (any more).`,
    remedy: () => '`/deploy status` lists the active runs.',
  }),
  'no-such-run': entry({
    code: 'run-not-found',
    text: ({ runId }: { runId: string }) => `There is no run #${escapeMrkdwn(runId)}.`,
    remedy: () => '`/deploy status` lists the active runs.',
  }),
  'no-such-item': entry({
    code: 'item-not-found',
    text: ({ runId, itemId }: { runId: string; itemId: string }) => `Run #${runId} has no item \`${escapeMrkdwn(itemId)}\`.`,
  }),
  'not-a-job-step': entry({
    code: 'usage',
    text: ({ runId, itemId, jobSteps }: { runId: string; itemId: string; jobSteps: readonly string[] }) =>
      `Item \`${escapeMrkdwn(itemId)}\` of run #${runId} is not a \`job\` step, so it has no Job log. ${jobSteps.length === 0 ? 'The run has no job steps.' : `Its job steps: ${jobSteps.map((id) => `\`${id}\``).join(', ')}.`}`,
  }),
  'job-not-started': entry({
    code: 'usage',
    text: ({ runId, itemId }: { runId: string; itemId: string }) => `The job step \`${escapeMrkdwn(itemId)}\` of run #${runId} has not started its Job yet, so there is no log to post.`,
    remedy: ({ runId, itemId }: { runId: string; itemId: string }) => `Ask again once the step runs: \`/deploy log ${runId} ${escapeMrkdwn(itemId)}\`.`,
  }),
  'checklist-not-loaded': entry({
    code: 'config-invalid',
    text: ({ checklist, environment }: { checklist: string; environment: string }) => `The checklist \`${checklist}\` for ${environment} is not loaded.`,
  }),
};
