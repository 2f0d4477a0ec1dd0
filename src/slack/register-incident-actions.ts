import type { App, BlockButtonAction } from '@slack/bolt';
import type { CommandServices } from '../../commands/command-definition.js';
import { randomUUID } from 'node:crypto';
import { FlightdeckError, isFlightdeckError } from '../errors/flightdeck-error.js';
import { toUserText } from '../errors/user-text.js';
import type { Logger } from '../observability/create-logger.js';
import type { RunEngine } from '../queue/engine/run-engine.js';
import { INCIDENT_ACK_ACTION, INCIDENT_HOLD_ACTION, INCIDENT_ROLLBACK_ACTION } from './slack-incident-notifier.js';
import { mentionOf } from '../format/mention-of.js';
import { startRollback } from '../use-cases/start-rollback.js';
import type { Respond, RespondTo } from './respond-to.js';

/** What the on-call DM's buttons do. */
export interface IncidentActions {
  engine: RunEngine;
  /** Queues the PagerDuty acknowledge and the thread note; resolves once queued. */
  acknowledge(runId: string, guardId: string, actor: string): Promise<void>;
}

const VALUE = /^([^:]+):(.+)$/;

function parseValue(value: string | undefined): { runId: string; guardId: string } {
  const match = VALUE.exec(value ?? '');
  if (!match) throw new FlightdeckError('usage', 'This button does not belong to a flightdeck page.');
  return { runId: match[1]!, guardId: match[2]! };
}

/**
 * The on-call DM's buttons, each asking the gate first. Rollback needs the environment's rollbacker role,
 * like every other rollback; it aborts the (paused) run, which then ends `failed` and requests its
 * rollback, or, for a page from the day-after watch of a succeeded run, starts the run's rollback. Acknowledge needs the same role (acknowledging is deciding not to roll back yet), and that the
 * run and its incident exist; it acknowledges the PagerDuty incident. Both ack at once and replace the DM's buttons
 * with what was done; a refusal (run already ended…) goes to the clicker only, naming why. Hold (on the page of
 * a held run, whose Jobs cannot be undone) needs the same role: it keeps the image, audited as the clicker's
 * decision (`rollback.hold`), and acknowledges the page, leaving the DM's buttons in place; its other button is
 * the run's own Rollback, whose confirm dialog says what cannot be undone.
 */
export function registerIncidentActions(app: App, actions: IncidentActions, services: CommandServices, logger: Logger, respondTo: RespondTo): void {
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: INCIDENT_ROLLBACK_ACTION }, async ({ action, body, ack }) => {
    await ack();
    const respond = respondTo(body.response_url);
    const log = logger.child({ action: action.action_id, user: body.user.id });
    try {
      const { runId, guardId } = parseValue(action.value);
      const { run } = await services.gate.authorize({ action: 'incident.rollback', userId: body.user.id, via: 'button', what: `rollback of run #${runId} from a page`, runId, guardId });
      if (run?.state === 'succeeded') {
        // A page from the day-after watch: the run has ended, so its rollback is started, not an abort.
        const reason = { kind: 'rollback-requested' as const, by: body.user.id };
        await startRollback({ of: run, service: run.service, environment: run.environment, target: run.target, actor: body.user.id, channel: run.channel, reason }, services);
      } else {
        await actions.engine.apply(runId, { type: 'abort', actor: body.user.id, reason: `rollback from the on-call page for guard ${guardId}` });
      }
      log.info({ run: runId, guard: guardId }, 'rollback requested from the page');
      await answer(respond, log, { replace_original: true, text: `:rewind: Rollback of run #${runId} requested by ${mentionOf(body.user.id)}.` });
    } catch (err) {
      await refuse(err, log, respond);
    }
  });
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: INCIDENT_ACK_ACTION }, async ({ action, body, ack }) => {
    await ack();
    const respond = respondTo(body.response_url);
    const log = logger.child({ action: action.action_id, user: body.user.id });
    try {
      const { runId, guardId } = parseValue(action.value);
      const { run } = await services.gate.authorize({ action: 'incident.acknowledge', userId: body.user.id, via: 'button', what: `acknowledge of run #${runId} guard ${guardId}`, runId, guardId });
      await actions.acknowledge(runId, guardId, body.user.id);
      log.info({ run: runId, guard: guardId }, 'page acknowledged');
      const stays = run?.state === 'succeeded' ? 'stays live until someone rolls it back' : 'stays paused until someone rolls back or resumes it';
      await answer(respond, log, { replace_original: false, text: `:eyes: Acknowledged by ${mentionOf(body.user.id)}. Run #${runId} ${stays}.` });
    } catch (err) {
      await refuse(err, log, respond);
    }
  });
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: INCIDENT_HOLD_ACTION }, async ({ action, body, ack }) => {
    await ack();
    const respond = respondTo(body.response_url);
    const log = logger.child({ action: action.action_id, user: body.user.id });
    try {
      const { runId, guardId } = parseValue(action.value);
      await services.gate.authorize({ action: 'incident.hold', userId: body.user.id, via: 'button', what: `hold of run #${runId} from a page`, runId, guardId });
      await actions.engine.apply(runId, { type: 'hold-kept', actor: body.user.id });
      await actions.acknowledge(runId, guardId, body.user.id);
      log.info({ run: runId, guard: guardId }, 'held run kept');
      // The DM keeps its buttons: holding now does not rule out rolling the image back later.
      await answer(respond, log, { replace_original: false, text: `:octagonal_sign: Run #${runId} is held by ${mentionOf(body.user.id)}: the image stays. "Roll back the image anyway" or /rollback still rolls it back; /deploy unlock lets deploys in again.` });
    } catch (err) {
      await refuse(err, log, respond);
    }
  });
}

/**
 * Sends the click's answer. Acked already, and the action done or refused by then: an answer that cannot be sent
 * (the response URL expired, Slack down) is logged with the click's context, never taken for the action failing.
 */
async function answer(respond: Respond, log: Logger, message: Parameters<Respond>[0]): Promise<void> {
  await respond(message).catch((err: unknown) => log.warn({ err }, 'could not answer the click'));
}

async function refuse(err: unknown, log: Logger, respond: Respond): Promise<void> {
  const reference = randomUUID().slice(0, 8);
  if (isFlightdeckError(err)) log.info({ code: err.code }, 'incident action refused');
  else log.error({ err, reference }, 'incident action failed');
  await answer(respond, log, { response_type: 'ephemeral', replace_original: false, text: toUserText(err, reference) });
}
