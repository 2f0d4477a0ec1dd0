import type { App } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import type { CommandServices } from '../../commands/command-definition.js';
import { invalidVersion } from '../../commands/deploy/parse-deploy.js';
import { IMAGE_TAG } from '../config/image-tag.js';
import { isFlightdeckError } from '../errors/flightdeck-error.js';
import type { Logger } from '../observability/create-logger.js';
import { requestDryRun } from '../use-cases/request-dry-run.js';
import { startRun } from '../use-cases/start-run.js';
import {
  buildDeployStartedView,
  buildDryRunRequestedView,
  DEPLOY_MODAL_BLOCKS,
  DEPLOY_MODAL_CALLBACK_ID,
  modalErrorsFor,
  readDeployChannel,
  readDeploySubmission,
} from './deploy-modal.js';

/**
 * The `/deploy` modal's submission: checks what was entered, then starts the run exactly as the text
 * command does (same catalog checks, authorization and lock). A refusal is acked as an inline error under
 * the input it concerns and changes nothing; success replaces the form with where to follow the run. With
 * "Dry run only" ticked it asks for the plan instead, through the same gate as `/deploy … --dry-run`, and
 * the answer comes as an ephemeral message in the invoking channel. Only Redis is touched before the ack.
 */
export function registerDeployModal(app: App, services: CommandServices, logger: Logger): void {
  app.view(DEPLOY_MODAL_CALLBACK_ID, async ({ ack, body, view }) => {
    const userId = body.user.id;
    const log = logger.child({ view: DEPLOY_MODAL_CALLBACK_ID, user: userId });
    const entered = readDeploySubmission(view.state.values);
    const missing: Record<string, string> = {};
    if (!entered.service) missing[DEPLOY_MODAL_BLOCKS.service] = 'Pick a service.';
    if (!entered.environment) missing[DEPLOY_MODAL_BLOCKS.environment] = 'Pick an environment.';
    if (!entered.version) missing[DEPLOY_MODAL_BLOCKS.version] = 'Give the image tag to deploy.';
    else if (!IMAGE_TAG.test(entered.version)) Object.assign(missing, modalErrorsFor(invalidVersion(entered.version)));
    if (Object.keys(missing).length > 0) {
      await ack({ response_action: 'errors', errors: missing });
      return;
    }
    const request = { service: entered.service!, environment: entered.environment!, version: entered.version! };
    const requester = { userId, channelId: readDeployChannel(view.private_metadata), via: 'modal' as const };
    try {
      if (entered.dryRun) {
        const { environment } = await requestDryRun(request, requester, services);
        log.info({ service: request.service, environment }, 'dry run asked for from the modal');
        await ack({ response_action: 'update', view: buildDryRunRequestedView({ ...request, environment }, requester.channelId) });
        return;
      }
      const run = await startRun(request, requester, services);
      log.info({ run: run.id }, 'deploy started from the modal');
      await ack({ response_action: 'update', view: buildDeployStartedView(run) });
    } catch (err) {
      const reference = randomUUID().slice(0, 8);
      if (isFlightdeckError(err)) log.info({ code: err.code }, 'deploy modal refused');
      else log.error({ err, reference }, 'deploy modal failed');
      await ack({ response_action: 'errors', errors: modalErrorsFor(err, reference) });
    }
  });
}
