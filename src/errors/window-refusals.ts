import { entry } from './catalogue-entry.js';
import { mentionOf } from '../format/mention-of.js';

/*
 * What a person reads when an environment does not take deployments now: outside its windows, or frozen.
 * Both say when deployments open again, in the environment's zone and in the reader's own (Slack's date token).
 */

/** `Tue 2026-12-08 09:00 Europe/Berlin`, then Slack's rendering of the same instant in the reader's zone. */
function when(at: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const local: Record<string, string> = Object.fromEntries(parts.map((part) => [part.type, part.value]));
  const fallback = `${local.weekday} ${local.year}-${local.month}-${local.day} ${local.hour}:${local.minute} ${timeZone}`;
  return `${fallback} (<!date^${Math.floor(at / 1000)}^{date_short_pretty} {time} your time|${fallback}>)`;
}

function opening(opensAt: number | undefined, timeZone: string): string {
  return opensAt === undefined ? 'No opening is in sight in the next 60 days.' : `Deployments open again ${when(opensAt, timeZone)}.`;
}

const ROLLBACKS = 'Rollbacks are not held: `/rollback` works at any time.';

export const WINDOW_REFUSALS = {
  'outside-deploy-window': entry({
    code: 'deploy-window-closed',
    text: ({ environment, opensAt, timeZone }: { environment: string; opensAt: number | undefined; timeZone: string }) =>
      `${environment} takes deployments only inside its deploy windows, and this is outside them. ${opening(opensAt, timeZone)} Nothing was started.`,
    remedy: () => `Deploy then, or ask for the windows to change (environments.<name>.deployWindows in flightdeck.yaml). ${ROLLBACKS}`,
  }),
  'deploy-frozen': entry({
    code: 'deploy-frozen',
    text: ({ environment, reason, by, until, opensAt }: { environment: string; reason: string; by: string | undefined; until: number; opensAt: number | undefined }) =>
      `${environment} is frozen${by ? ` by ${mentionOf(by)}` : ''} until ${when(until, 'UTC')}: ${reason}. ${opening(opensAt, 'UTC')} Nothing was started.`,
    remedy: ({ by }: { by: string | undefined }) =>
      `${by ? 'A holder of the freezers role may lift it with `/deploy unfreeze <environment>`.' : 'This freeze is in the catalog (environments.<name>.freezes).'} ${ROLLBACKS}`,
  }),
  'emergency-not-configured': entry({
    code: 'forbidden',
    text: ({ environment }: { environment: string }) => `${environment} has no emergency override, so \`--emergency\` cannot start a deploy there. Nothing was started.`,
    remedy: () => 'Deploy without `--emergency`, or ask for environments.<name>.emergency (deployers and an approver role) in flightdeck.yaml.',
  }),
  'freeze-unknown-environment': entry({
    code: 'unknown-environment',
    text: ({ environment }: { environment: string; known: string[] }) => `There is no environment called \`${environment}\`. Nothing was frozen or lifted.`,
    remedy: ({ known }: { environment: string; known: string[] }) => `Environments: ${known.map((name) => `\`${name}\``).join(', ')}.`,
  }),
  'freeze-end-past': entry({
    code: 'usage',
    text: ({ until }: { until: string }) => `A freeze until \`${until}\` would already be over. Nothing was frozen.`,
    remedy: () => "Give a date or time in the future (a bare date is its midnight in the environment's time zone), or a duration such as `4h` or `2d`.",
  }),
  'not-frozen': entry({
    code: 'usage',
    text: ({ environment }: { environment: string; catalogFreeze: boolean }) => `${environment} has no freeze declared with \`/deploy freeze\` to lift.`,
    remedy: ({ catalogFreeze }: { environment: string; catalogFreeze: boolean }) =>
      catalogFreeze ? 'A freeze from the catalog ends when its dates say, or when it is removed from flightdeck.yaml.' : 'Nothing to do: deployments are not held by a declared freeze.',
  }),
};
