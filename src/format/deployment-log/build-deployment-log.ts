import { plainRunReason } from '../../run/core/run-reason.js';
import type { AuditEntry, Run } from '../../run/core/run-schema.js';
import { formatDuration } from '../format-duration.js';
import { itemLine, phaseHeading } from './log-items.js';
import { code, inline, logClock, logTime, personOf, type PeopleNames } from './log-text.js';

export interface DeploymentLogInput {
  run: Run;
  /** The run's audit entries, oldest first (RunStore.audit): the log's timeline. */
  audit: readonly AuditEntry[];
  /** How to name the people the run mentions (Slack display names); default none: ids are shown. */
  people?: PeopleNames;
  /** When the log is written: names the log's moment on a run still in progress. */
  now: number;
}

/** How many timeline rows a log keeps: the newest ones, with a line saying how many were left out. */
const MAX_TIMELINE_ROWS = 500;

function header(run: Run, now: number, people: PeopleNames): string[] {
  const ended = run.endedAt;
  const kind = run.kind === 'rollback' ? `rollback${run.rollbackOf ? ` of run #${run.rollbackOf}` : ''}` : 'deploy';
  const target = `${inline(run.target.namespace)}/${inline(run.target.deployment)} (container ${code(run.target.container)}) on ${code(run.target.cluster)}`;
  return [
    `# Deployment log: ${inline(run.service)} ${inline(run.version)} to ${inline(run.environment)}`,
    '',
    `- **Run**: #${run.id} (${kind}), checklist ${code(run.checklist)}`,
    `- **Date**: ${new Date(run.createdAt).toISOString().slice(0, 10)}`,
    `- **Time**: ${logClock(run.createdAt)} UTC`,
    `- **Deployed by**: ${personOf(run.requestedBy, people)}`,
    `- **Version**: ${inline(run.version)} (image ${code(run.target.image)})`,
    `- **Environment**: ${inline(run.environment)} — ${target}`,
    ended !== undefined
      ? `- **Duration**: ${formatDuration(ended - run.createdAt)} (ended ${logTime(ended)})`
      : `- **Duration**: ${formatDuration(now - run.createdAt)} so far (in progress at ${logTime(now)})`,
    `- **Outcome**: ${run.state}${run.reason !== undefined && run.state !== 'succeeded' ? ` — ${inline(plainRunReason(run.reason))}` : ''}`,
  ];
}

function phases(run: Run, people: PeopleNames): string[] {
  const lines = ['', '## Phases'];
  for (const phase of run.phases) {
    lines.push('', phaseHeading(phase));
    if (phase.items.length === 0) lines.push('- (no items)');
    for (const item of phase.items) lines.push(itemLine(item, people));
  }
  return lines;
}

/** Guard breaches with what flightdeck did about each (rolled back, paged the on-call, told the channel), and the pauses. */
function incidents(run: Run, audit: readonly AuditEntry[], people: PeopleNames): string[] {
  const did = { rollback: 'rolled back', page: 'paged the on-call', notify: 'alerted the channel' } as const;
  const lines = run.breaches.map((breach) => {
    const guard = run.guards.find((candidate) => candidate.id === breach.guardId);
    return `- ${logTime(breach.at)} — guard **${inline(guard?.title ?? breach.guardId)}** breached, ${did[breach.action]}: ${inline(breach.detail)}`;
  });
  for (const entry of audit) {
    if (entry.action === 'run.paused') lines.push(`- ${logTime(entry.at)} — paused by ${personOf(entry.actor, people)}: ${inline(entry.detail)}`);
    if (entry.action === 'check.failed' || entry.action === 'step.failed') lines.push(`- ${logTime(entry.at)} — ${entry.action.replace('.', ' ')}: ${inline(entry.detail)}`);
  }
  return ['', '## Incidents', ...(lines.length > 0 ? lines : ['- None'])];
}

function rollback(run: Run): string[] {
  const lines = ['', '## Rollback'];
  if (run.kind === 'rollback') {
    lines.push(`- This run is a rollback${run.rollbackOf ? ` of run #${run.rollbackOf}` : ''}${run.reason !== undefined ? `: ${inline(plainRunReason(run.reason))}` : ''}`);
    if (run.restoreTo) lines.push(`- Restoring revision ${inline(run.restoreTo.revision)} (${code(run.restoreTo.image)})`);
  } else if (run.rollbackRunId) {
    const outcome = run.state === 'rolled-back' ? 'rolled back' : run.state === 'rollback-failed' ? 'the rollback failed' : 'in progress';
    lines.push(`- Yes — rollback run #${run.rollbackRunId}: ${outcome}`);
  } else if (run.state === 'rollback-failed') {
    lines.push('- Yes — but the rollback could not be started');
  } else {
    lines.push('- No');
  }
  if (run.rollbackTarget) {
    lines.push(`- Rollback target pinned at ${logTime(run.rollbackTarget.recordedAt)}: revision ${inline(run.rollbackTarget.revision)} (${code(run.rollbackTarget.image)})`);
  }
  return lines;
}

/** Follow-up phases: their results as the log is written, and a pointer to where later results show. */
function followUps(run: Run): string[] {
  const open = run.phases.filter((phase) => phase.afterMs !== undefined && (phase.state === 'pending' || phase.state === 'active'));
  if (open.length === 0) return [];
  return ['', '## Follow-ups', `- ${open.length} follow-up phase${open.length === 1 ? '' : 's'} still open: the log is posted again in the thread as each ends; \`/deploy log ${run.id}\` or \`flightdeck log ${run.id}\` shows it now`];
}

function timeline(audit: readonly AuditEntry[], people: PeopleNames): string[] {
  const kept = audit.slice(-MAX_TIMELINE_ROWS);
  const lines = ['', '## Timeline', '', '| Time (UTC) | Who | What | Detail |', '| --- | --- | --- | --- |'];
  if (kept.length < audit.length) lines.push(`| | | | ${audit.length - kept.length} earlier entries left out |`);
  for (const entry of kept) lines.push(`| ${logTime(entry.at).slice(0, 19)} | ${personOf(entry.actor, people)} | ${inline(entry.action)} | ${inline(entry.detail)} |`);
  if (audit.length === 0) lines.push('| | | | no audit entries kept for this run |');
  return lines;
}

/**
 * The deployment log of a run, in the spirit of a runbook's deployment-log template: date, deployer,
 * version, environment, duration, each phase with who did what when, incidents, the rollback, follow-ups
 * and the audited timeline. Pure: the same run, audit and names give the same Markdown.
 */
export function buildDeploymentLog(input: DeploymentLogInput): string {
  const people = input.people ?? {};
  const audit = input.audit.filter((entry) => entry.run === input.run.id);
  return [
    ...header(input.run, input.now, people),
    ...phases(input.run, people),
    ...incidents(input.run, audit, people),
    ...rollback(input.run),
    ...followUps(input.run),
    ...timeline(audit, people),
    '',
  ].join('\n');
}
