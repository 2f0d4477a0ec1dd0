import { buildDeploymentLog } from '../../src/format/deployment-log/build-deployment-log.js';
import { fenceLog } from '../../src/format/escape-mrkdwn.js';
import { readRunLog } from '../../src/use-cases/read-run-log.js';
import { requestJobLog } from '../../src/use-cases/request-job-log.js';
import type { CommandInvocation, CommandReply, CommandServices } from '../command-definition.js';

/**
 * How much of a log the reply shows. Slack advises keeping a message's text under 4,000 characters (it cuts
 * at 40,000, and a long ephemeral is a wall in the channel), so a longer log shows its head — header, phases,
 * incidents, rollback; the timeline comes last — and says where the whole of it is.
 */
const MAX_REPLY_CHARS = 3800;

/**
 * `/deploy log <run>`: the run's deployment log, to the person who asked only, as a fenced block (Slack does
 * not render Markdown, so the file's text is shown as it is). A log too long for one message shows its
 * first lines and points to the file in the run's thread and to `flightdeck log`.
 *
 * @throws FlightdeckError as `readRunLog`.
 */
export async function replyLog(request: { runId: string }, invocation: CommandInvocation, services: CommandServices): Promise<CommandReply> {
  const { run, audit } = await readRunLog(request, invocation, services);
  const lines = buildDeploymentLog({ run, audit, now: services.now() }).trimEnd().split('\n');
  const whole = fenceLog(lines);
  if (whole.length <= MAX_REPLY_CHARS) return { text: whole };
  const where = run.messageTs ? `the file in the thread of run #${run.id}'s message in <#${run.channel}> once the run has ended` : 'the file posted in its thread once the run has ended';
  const cut = (shown: number) =>
    `${fenceLog(lines.slice(0, shown))}\nThe first ${shown} of ${lines.length} lines. The whole log: ${where}, or \`flightdeck log ${run.id}\`.`;
  // The most lines that fit: the reply grows with every line shown, so a binary search finds it.
  let [fits, tooMany] = [1, lines.length];
  while (tooMany - fits > 1) {
    const middle = Math.floor((fits + tooMany) / 2);
    if (cut(middle).length <= MAX_REPLY_CHARS) fits = middle;
    else tooMany = middle;
  }
  return { text: cut(fits) };
}

/**
 * `/deploy log <run> <step>`: a `job` step's whole Job log, posted as a file in the run's thread (the reply
 * says where; the file follows in the channel's turn).
 *
 * @throws FlightdeckError as `requestJobLog`.
 */
export async function replyJobLog(request: { runId: string; itemId: string }, invocation: CommandInvocation, services: CommandServices): Promise<CommandReply> {
  const { run, jobName } = await requestJobLog(request, invocation, services);
  const job = jobName ? ` of job \`${jobName}\`` : '';
  const where = run.messageTs ? `the thread of run #${run.id}'s message in <#${run.channel}>` : `the thread of run #${run.id}'s message`;
  return { text: `The whole log${job} for step \`${request.itemId}\` is being posted as a file in ${where}.` };
}
