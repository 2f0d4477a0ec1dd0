import type { DraftItem, ImportReportLine } from './checklist-draft.js';
import { holdsCommands, mapShellCommand, shellCommands } from './map-shell-commands.js';
import type { CodeBlock } from './scan-markdown-blocks.js';

/** Where a code block's commands go: a deployment phase, a follow-up (no steps), or the rollback plan (no steps). */
export type CommandPlace = 'phase' | 'follow-up' | 'rollback-plan';

export interface CommandItemsContext {
  place: CommandPlace;
  /** Whether the block is written under a task-box item, which already stands for what is not mapped. */
  underItem: boolean;
  claimId: (words: string) => string;
  fit: (title: string, line: number) => string;
  /** Whether the checklist already has a set-image step (one deploy is one image change). */
  hasSetImage: () => boolean;
}

const JOB_TITLES = { backup: 'Back up the database', migration: 'Run the database migration', restore: 'Restore the database' } as const;

function quoted(command: string): string {
  return `\`${command.replaceAll('`', "'")}\``;
}

/**
 * The checklist items a shell code block becomes: `kubectl rollout status` a wait-rollout step, a command
 * that starts the new version (kubectl set image/apply, helm upgrade, docker run, systemctl start) the
 * set-image step, a backup, restore or migration a `job` step running the command in the release image, a
 * plain GET of a health URL an http check. Steps only go in deployment phases. A command flightdeck's own
 * rollback performs (`kubectl rollout undo`) becomes nothing. Anything else stays a manual item titled by
 * its comment and the command, unless the block sits under a task-box item that already stands for it.
 * Every command gets a report line.
 */
export function commandItems(block: CodeBlock, context: CommandItemsContext): { items: DraftItem[]; report: ImportReportLine[] } {
  const items: DraftItem[] = [];
  const report: ImportReportLine[] = [];
  if (!holdsCommands(block)) return { items, report };
  const stepsAllowed = context.place === 'phase';
  const where = context.place === 'phase' ? '' : context.place === 'follow-up' ? ' (follow-up)' : ' (rollback plan)';
  let waitAdded = false;
  const add = (item: DraftItem, command: string, line: number, kind: 'mapped' | 'manual', note = '') => {
    items.push(item);
    const outcome: ImportReportLine['outcome'] = context.place === 'phase' ? kind : context.place;
    report.push({ line, source: command, outcome, became: `${item.kind === 'step' ? `${item.action} step` : `${item.kind} item`} "${item.id}"${where}${note}` });
  };
  for (const command of shellCommands(block)) {
    const mapped = mapShellCommand(command.text);
    const name = command.comment;
    const title = (words: string) => context.fit(`${words}: ${quoted(command.text)}`, command.line);
    if (mapped.kind === 'rollback') {
      report.push({ line: command.line, source: command.text, outcome: 'skipped', became: "done by flightdeck's rollback run (it restores the pinned image)" });
    } else if (mapped.kind === 'http-check') {
      add({ id: context.claimId(name ?? 'health check'), kind: 'check', title: title(name ?? 'Health check'), probe: { type: 'http', url: mapped.url } }, command.text, command.line, 'mapped');
    } else if (stepsAllowed && mapped.kind === 'wait-rollout') {
      if (waitAdded) {
        report.push({ line: command.line, source: command.text, outcome: 'skipped', became: 'the wait-rollout step above (flightdeck deploys one Deployment per service)' });
        continue;
      }
      waitAdded = true;
      add({ id: context.claimId(name ?? 'wait for rollout'), kind: 'step', action: 'wait-rollout', title: title(name ?? 'Wait for the rollout') }, command.text, command.line, 'mapped');
    } else if (stepsAllowed && mapped.kind === 'deploy') {
      if (context.hasSetImage() || items.some((item) => item.kind === 'step' && item.action === 'set-image')) {
        report.push({ line: command.line, source: command.text, outcome: 'skipped', became: 'the set-image step already imported (one deploy changes the image once)' });
        continue;
      }
      add({ id: context.claimId('set image'), kind: 'step', action: 'set-image', title: title(name ?? 'Deploy the new version') }, command.text, command.line, 'mapped');
    } else if (stepsAllowed && mapped.kind === 'job') {
      const id = context.claimId(name ?? JOB_TITLES[mapped.purpose]);
      const item: DraftItem = { id, kind: 'step', action: 'job', title: title(name ?? JOB_TITLES[mapped.purpose]), command: ['sh', '-c', command.text] };
      add(item, command.text, command.line, 'mapped', ' — it runs in the release image: give it env (secretKeyRef) and a volume for what it must keep');
    } else if (context.underItem) {
      report.push({ line: command.line, source: command.text, outcome: 'manual', became: 'left to the task-box item it is written under' });
    } else {
      add({ id: context.claimId(name ?? command.text), kind: 'manual', title: title(name ?? 'Run') }, command.text, command.line, 'manual');
    }
  }
  return { items, report };
}
