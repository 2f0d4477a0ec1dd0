import type { App, BlockButtonAction } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import type { CommandServices } from '../../commands/command-definition.js';
import { describeRollback } from '../../commands/rollback.js';
import { resolveTarget } from '../config/resolve-target.js';
import { FlightdeckError, isFlightdeckError } from '../errors/flightdeck-error.js';
import { toUserText } from '../errors/user-text.js';
import type { Logger } from '../observability/create-logger.js';
import type { Run } from '../run/core/run-schema.js';
import { transition } from '../run/core/transition.js';
import { findRunToUndo } from '../use-cases/find-run-to-undo.js';
import { rollbackIntentSchema, type RollbackIntent } from '../use-cases/rollback-intent.js';
import { startRollback } from '../use-cases/start-rollback.js';
import { toSlackError } from './slack-notifier.js';
import type { RespondTo } from './respond-to.js';
import { ROLLBACK_CONFIRM_CALLBACK, rollbackConfirmView, rollbackNoticeView } from './rollback-confirm-view.js';

/** The Rollback button on every run message; its value is the run id. */
export const ROLLBACK_ACTION = 'run.rollback';

/**
 * Starts what a confirmed dialog asked for. Only ids are taken from the dialog's metadata: with a run id,
 * the service and environment are the stored run's (an edited environment changes nothing), and the gate
 * re-checks everything, since the target may have moved while the dialog was open.
 */
async function confirmRollback(services: CommandServices, intent: RollbackIntent, userId: string): Promise<Run> {
  const decision = await services.gate.authorize({
    action: 'rollback.confirm',
    userId,
    via: 'modal',
    what: intent.runId ? `rollback of run ${intent.runId}` : `rollback of ${intent.service} in ${intent.environment}`,
    runId: intent.runId,
    target: { service: intent.service, environment: intent.environment },
  });
  const service = decision.run?.service ?? intent.service;
  const environment = decision.environment;
  const resolved = resolveTarget(services.config.catalog, service, environment);
  const of = decision.run ?? (await findRunToUndo(services, service, environment));
  return startRollback(
    {
      of,
      service,
      environment,
      target: {
        cluster: resolved.cluster,
        namespace: resolved.namespace,
        deployment: resolved.deployment,
        container: resolved.container,
        image: resolved.repository,
        ...(resolved.traffic ? { traffic: resolved.traffic } : {}),
        ...(resolved.blueGreen ? { blueGreen: resolved.blueGreen } : {}),
        ...(resolved.prometheusUrl ? { prometheusUrl: resolved.prometheusUrl } : {}),
      },
      ...(intent.toRevision ? { toRevision: intent.toRevision } : {}),
      actor: userId,
      channel: of?.channel ?? intent.channel,
      reason: { kind: 'rollback-requested', by: userId },
    },
    services,
  );
}

/**
 * The Rollback button and the confirm dialog shared with `/rollback`. The button asks the gate (the
 * clicker's rollback role, and that the run is the one in flight or the newest) and whether the run can
 * be rolled back, then opens the dialog; only its submission starts the
 * rollback run (Redis and queues only, inside the ack window). Refusals go to the clicker alone.
 */
export function registerRollbackActions(app: App, services: CommandServices, logger: Logger, respondTo: RespondTo): void {
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: ROLLBACK_ACTION }, async ({ action, body, ack, client }) => {
    await ack();
    const log = logger.child({ action: ROLLBACK_ACTION, user: body.user.id, run: action.value });
    try {
      if (!action.value) throw new FlightdeckError('usage', 'This button does not belong to a flightdeck run.');
      const { run } = await services.gate.authorize({ action: 'rollback.request', userId: body.user.id, via: 'button', what: `${ROLLBACK_ACTION} ${action.value}`, runId: action.value });
      if (!run) throw new FlightdeckError('run-not-found', `Run ${action.value} does not exist.`);
      // A dry run refuses what cannot be rolled back before the dialog promises it.
      transition(run, { type: 'rollback-started', rollbackRunId: '-', actor: body.user.id }, services.now());
      const intent: RollbackIntent = { service: run.service, environment: run.environment, runId: run.id, channel: run.channel };
      await client.views.open({ trigger_id: body.trigger_id, view: rollbackConfirmView(intent, describeRollback(intent, run)) }).catch((err: unknown) => {
        throw toSlackError(err, 'views.open');
      });
      log.info('rollback dialog opened');
    } catch (err) {
      const reference = randomUUID().slice(0, 8);
      if (isFlightdeckError(err)) log.info({ code: err.code }, 'rollback refused');
      else log.error({ err, reference }, 'rollback button failed');
      // Acked already: an answer that cannot be sent is logged here, with the click's context, not left to Bolt's error handler.
      await respondTo(body.response_url)({ response_type: 'ephemeral', replace_original: false, text: toUserText(err, reference) }).catch((respondErr: unknown) =>
        log.warn({ err: respondErr }, 'could not answer the click'),
      );
    }
  });

  app.view(ROLLBACK_CONFIRM_CALLBACK, async ({ view, body, ack }) => {
    const log = logger.child({ view: ROLLBACK_CONFIRM_CALLBACK, user: body.user.id });
    try {
      const parsed = rollbackIntentSchema.safeParse(JSON.parse(view.private_metadata || 'null'));
      if (!parsed.success) throw new FlightdeckError('usage', 'This dialog does not belong to a flightdeck rollback.');
      const rollback = await confirmRollback(services, parsed.data, body.user.id);
      await ack({ response_action: 'clear' });
      log.info({ rollback: rollback.id }, 'rollback confirmed');
    } catch (err) {
      const reference = randomUUID().slice(0, 8);
      if (isFlightdeckError(err)) log.info({ code: err.code }, 'rollback refused');
      else log.error({ err, reference }, 'rollback confirmation failed');
      await ack({ response_action: 'update', view: rollbackNoticeView(`:warning: ${toUserText(err, reference)}`) });
    }
  });
}
