import { wordEmergencyAnnouncement } from '../src/format/word-emergency-announcement.js';
import { requestDryRun } from '../src/use-cases/request-dry-run.js';
import { requestStatsChart } from '../src/use-cases/request-stats-chart.js';
import { startRun } from '../src/use-cases/start-run.js';
import type { CommandDefinition, CommandReply } from './command-definition.js';
import { allUsage, DEPLOY_USAGE } from './deploy/deploy-usage.js';
import { parseDeploy, type DeployRequest } from './deploy/parse-deploy.js';
import { replyCancel } from './deploy/reply-cancel.js';
import { replyFreeze, replyLock, replyUnfreeze, replyUnlock } from './deploy/reply-lock.js';
import { replyJobLog, replyLog } from './deploy/reply-log.js';
import { showHistory } from './deploy/show-history.js';
import { formatChartNote, showStats } from './deploy/show-stats.js';
import { showStatus } from './deploy/show-status.js';

export { parseDeploy, type DeployRequest } from './deploy/parse-deploy.js';

/**
 * `/deploy`: start a deployment (typed, or from a modal when typed alone), and the subcommands around it.
 * Who may do what is decided per environment by the catalog: deploy, lock, unlock and cancel need a role
 * allowed to deploy there (rolling back for a rollback run), freeze and unfreeze one of its freezers; status,
 * history, stats, log and help are open to anyone.
 */
export const deployCommand: CommandDefinition<DeployRequest> = {
  name: '/deploy',
  usage: allUsage(),
  description: 'Deploy a service version through its environment checklist',
  usageHint: '[<service> <version> [to <env>] [--dry-run | --emergency <reason>]] | status [service] | history <service> [env] | stats [service] [env] [--days 30] | lock <service> <env> <reason> | unlock <service> <env> | freeze <env> <duration|until> <reason> | unfreeze <env> | cancel <run> | log <run> [<step>] | help',
  parse: parseDeploy,
  // Not stats (it queues a chart) nor log (it may post a step's log, and a refusal of it is audited).
  onlyReads: (request) => request.kind === 'help' || request.kind === 'status' || request.kind === 'history',
  async handle(request, invocation, services): Promise<CommandReply> {
    switch (request.kind) {
      case 'modal':
        return {
          text: `Or type it: ${DEPLOY_USAGE.deploy}`,
          modal: { kind: 'deploy', channelId: invocation.channelId },
        };
      case 'help':
        return { text: request.topic ? `Usage: ${DEPLOY_USAGE[request.topic]}` : `*flightdeck* runs your deployment checklist in this channel.\n${allUsage().join('\n')}` };
      case 'deploy': {
        const run = await startRun(request, invocation, services);
        const announcement = wordEmergencyAnnouncement(run);
        // Announced to the whole channel: an override of windows and freezes is everyone's business.
        if (announcement !== undefined) return { inChannel: true, text: announcement };
        const waiting = run.state === 'pending' ? ' It waits for someone to press *Start* in its message.' : '';
        return {
          text: `Run #${run.id}: deploying *${run.service}* \`${run.version}\` to *${run.environment}*. The checklist is posted in <#${run.channel}>.${waiting}`,
        };
      }
      case 'dry-run': {
        const { environment } = await requestDryRun(request, invocation, services);
        return { text: `Working out the plan for *${request.service}* \`${request.version}\` to *${environment}*… Nothing will be changed; only you will see it.` };
      }
      case 'status':
        return { text: await showStatus(request.service, services) };
      case 'history':
        return { text: await showHistory(request.service, request.environment, services) };
      case 'stats': {
        const { text, all } = await showStats(request, services);
        const chart = await requestStatsChart({ requestedBy: invocation.userId, days: request.days, keys: all }, services);
        return { text: chart === undefined ? text : `${text}\n${formatChartNote(chart)}` };
      }
      case 'lock':
        return replyLock(request, invocation, services);
      case 'unlock':
        return replyUnlock(request, invocation, services);
      case 'freeze':
        return replyFreeze(request, invocation, services);
      case 'unfreeze':
        return replyUnfreeze(request, invocation, services);
      case 'cancel':
        return replyCancel(request, invocation, services);
      case 'log':
        return request.itemId === undefined ? replyLog(request, invocation, services) : replyJobLog({ runId: request.runId, itemId: request.itemId }, invocation, services);
    }
  },
};
