import type { App, BlockButtonAction } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import type { CommandServices } from '../../commands/command-definition.js';
import { describeRollback } from '../../commands/rollback.js';
import { canRollback } from '../auth/authorize.js';
import { resolveTarget } from '../config/resolve-target.js';
import { FlightdeckError, isFlightdeckError } from '../errors/flightdeck-error.js';
import { toUserText } from '../errors/user-text.js';
import type { Logger } from '../observability/create-logger.js';
import type { Run } from '../run/core/run-schema.js';
import { transition } from '../run/core/transition.js';
import { findRunToUndo } from '../use-cases/find-run-to-undo.js';
import { rollbackIntentSchema, type RollbackIntent } from '../use-cases/rollback-intent.js';
import { startRollback } from '../use-cases/start-rollback.js';
import { ROLLBACK_CONFIRM_CALLBACK, rollbackConfirmView, rollbackNoticeView } from './rollback-confirm-view.js';

/** The Rollback button on every run message; its value is the run id. */
export const ROLLBACK_ACTION = 'run.rollback';

/** Refuses people without a rollback role in the environment. */
async function assertMayRollBack(services: CommandServices, userId: string, environment: string): Promise<void> {
  const env = Object.hasOwn(services.config.catalog.environments, environment) ? services.config.catalog.environments[environment] : undefined;
  if (!env) throw new FlightdeckError('unknown-environment', `There is no environment called \`${environment}\` any more.`);
  canRollback(await services.roles.rolesOf(userId), environment, env);
}

/** Starts what a confirmed dialog asked for, re-checking everything: the run may have moved meanwhile. */
async function confirmRollback(services: CommandServices, intent: RollbackIntent, userId: string): Promise<Run> {
  await assertMayRollBack(services, userId, intent.environment);
  const resolved = resolveTarget(services.config.catalog, intent.service, intent.environment);
  const of = intent.runId ? await services.store.get(intent.runId) : await findRunToUndo(services, intent.service, intent.environment);
  if (intent.runId && !of) throw new FlightdeckError('run-not-found', `Run ${intent.runId} does not exist.`);
  return startRollback(
    {
      of,
      service: intent.service,
      environment: intent.environment,
      target: {
        cluster: resolved.cluster,
        namespace: resolved.namespace,
        deployment: resolved.deployment,
        container: resolved.container,
        image: resolved.repository,
        ...(resolved.traffic ? { traffic: resolved.traffic } : {}),
        ...(resolved.prometheusUrl ? { prometheusUrl: resolved.prometheusUrl } : {}),
      },
      ...(intent.toRevision ? { toRevision: intent.toRevision } : {}),
      actor: userId,
      channel: intent.channel,
      reason: `requested by <@${userId}>`,
    },
    services,
  );
}

/**
 * The Rollback button and the confirm dialog shared with `/rollback`. The button checks the clicker's
 * roles and that the run can be rolled back, then opens the dialog; only its submission starts the
 * rollback run (Redis and queues only, inside the ack window). Refusals go to the clicker alone.
 */
export function registerRollbackActions(app: App, services: CommandServices, logger: Logger): void {
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: ROLLBACK_ACTION }, async ({ action, body, ack, respond, client }) => {
    await ack();
    const log = logger.child({ action: ROLLBACK_ACTION, user: body.user.id, run: action.value });
    try {
      const run = action.value ? await services.store.get(action.value) : null;
      if (!run) throw new FlightdeckError('run-not-found', `Run ${action.value ?? '?'} does not exist.`);
      await assertMayRollBack(services, body.user.id, run.environment);
      // A dry run refuses what cannot be rolled back before the dialog promises it.
      transition(run, { type: 'rollback-started', rollbackRunId: '-', actor: body.user.id }, services.now());
      const intent: RollbackIntent = { service: run.service, environment: run.environment, runId: run.id, channel: run.channel };
      await client.views.open({ trigger_id: body.trigger_id, view: rollbackConfirmView(intent, describeRollback(intent, run)) });
      log.info('rollback dialog opened');
    } catch (err) {
      const reference = randomUUID().slice(0, 8);
      if (isFlightdeckError(err)) log.info({ code: err.code }, 'rollback refused');
      else log.error({ err, reference }, 'rollback button failed');
      await respond({ response_type: 'ephemeral', replace_original: false, text: toUserText(err, reference) });
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
