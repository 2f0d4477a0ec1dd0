import type { InputBlock, ModalView, PlainTextElement } from '@slack/types';
import { z } from 'zod';
import type { Catalog } from '../config/catalog-schema.js';
import { isFlightdeckError, type ErrorCode } from '../errors/flightdeck-error.js';
import { toUserText } from '../errors/user-text.js';
import type { Run } from '../run/core/run-schema.js';

/** The modal's `callback_id`: what its view_submission listener matches. */
export const DEPLOY_MODAL_CALLBACK_ID = 'flightdeck.deploy';

/** Input block ids; inline errors are keyed by them. Each input's element has action_id `value`. */
export const DEPLOY_MODAL_BLOCKS = { service: 'service', environment: 'environment', version: 'version', mode: 'mode' } as const;
type ModalBlock = keyof typeof DEPLOY_MODAL_BLOCKS;

/** The value of the one option of the optional "Dry run" checkboxes. */
const DRY_RUN_OPTION = 'dry-run';

/** Slack's limit for a static select. */
const MAX_OPTIONS = 100;

function plain(text: string): PlainTextElement {
  return { type: 'plain_text', text, emoji: true };
}

function staticSelect(blockId: ModalBlock, label: string, placeholder: string, names: readonly string[]): InputBlock {
  return {
    type: 'input',
    block_id: DEPLOY_MODAL_BLOCKS[blockId],
    label: plain(label),
    element: {
      type: 'static_select',
      action_id: 'value',
      placeholder: plain(placeholder),
      options: names.slice(0, MAX_OPTIONS).map((name) => ({ text: plain(name), value: name })),
    },
  };
}

/**
 * The `/deploy` modal: service and environment picked from the catalog (the first 100 of each: a static
 * select holds no more), version typed. The invoking channel rides in `private_metadata`, so the run posts
 * where `/deploy` was typed unless its environment names a channel. Pure.
 */
export function buildDeployModal(catalog: Pick<Catalog, 'services' | 'environments'>, context: { channelId: string }): ModalView {
  return {
    type: 'modal',
    callback_id: DEPLOY_MODAL_CALLBACK_ID,
    private_metadata: JSON.stringify({ channelId: context.channelId }),
    title: plain('Deploy'),
    submit: plain('Deploy'),
    close: plain('Cancel'),
    blocks: [
      staticSelect('service', 'Service', 'Pick a service', Object.keys(catalog.services)),
      staticSelect('environment', 'Environment', 'Pick an environment', Object.keys(catalog.environments)),
      {
        type: 'input',
        block_id: DEPLOY_MODAL_BLOCKS.version,
        label: plain('Version'),
        hint: plain('The image tag to deploy, e.g. v1.4.2'),
        element: { type: 'plain_text_input', action_id: 'value', placeholder: plain('v1.4.2'), max_length: 128 },
      },
      // A modal has exactly one submit button, so a dry run is a choice in the form rather than a second button.
      {
        type: 'input',
        block_id: DEPLOY_MODAL_BLOCKS.mode,
        optional: true,
        label: plain('Dry run'),
        element: {
          type: 'checkboxes',
          action_id: 'value',
          options: [{ text: plain('Dry run only: show me the plan, change nothing'), value: DRY_RUN_OPTION }],
        },
      },
    ],
  };
}

/** What replaces the form when a dry run was asked for: where its answer will appear. Pure. */
export function buildDryRunRequestedView(request: { service: string; version: string; environment: string }, channelId: string): ModalView {
  return {
    type: 'modal',
    callback_id: `${DEPLOY_MODAL_CALLBACK_ID}.dry-run`,
    title: plain('Dry run'),
    close: plain('Done'),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `Working out the plan for *${request.service}* \`${request.version}\` to *${request.environment}*. It appears in <#${channelId}>, visible only to you; nothing is changed.`,
        },
      },
    ],
  };
}

/** What replaces the form once the run has started: where to follow it. Pure. */
export function buildDeployStartedView(run: Run): ModalView {
  const waiting = run.state === 'pending' ? ' It waits for someone to press *Start* in its message.' : '';
  return {
    type: 'modal',
    callback_id: `${DEPLOY_MODAL_CALLBACK_ID}.started`,
    title: plain('Deploy'),
    close: plain('Done'),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `Run #${run.id}: deploying *${run.service}* \`${run.version}\` to *${run.environment}*. The checklist is posted in <#${run.channel}>.${waiting}`,
        },
      },
    ],
  };
}

const selected = z.object({ selected_option: z.object({ value: z.string() }).nullable().optional() });
const typed = z.object({ value: z.string().nullable().optional() });
const submissionSchema = z.object({
  [DEPLOY_MODAL_BLOCKS.service]: z.object({ value: selected }).optional(),
  [DEPLOY_MODAL_BLOCKS.environment]: z.object({ value: selected }).optional(),
  [DEPLOY_MODAL_BLOCKS.version]: z.object({ value: typed }).optional(),
  [DEPLOY_MODAL_BLOCKS.mode]: z.object({ value: z.object({ selected_options: z.array(z.object({ value: z.string() })).nullable().optional() }) }).optional(),
});

/** What was entered, as far as it was: Slack enforces required inputs, but the payload is still checked. */
export interface DeploySubmission {
  service?: string | undefined;
  environment?: string | undefined;
  version?: string | undefined;
  /** "Dry run only" was ticked: show the plan, start nothing. */
  dryRun: boolean;
}

/** Reads `view.state.values` of the modal; unexpected shapes read as nothing entered. Pure. */
export function readDeploySubmission(values: unknown): DeploySubmission {
  const parsed = submissionSchema.safeParse(values);
  if (!parsed.success) return { dryRun: false };
  const state = parsed.data;
  const version = state.version?.value.value?.trim();
  return {
    service: state.service?.value.selected_option?.value ?? undefined,
    environment: state.environment?.value.selected_option?.value ?? undefined,
    version: version === '' ? undefined : version,
    dryRun: state.mode?.value.selected_options?.some((option) => option.value === DRY_RUN_OPTION) ?? false,
  };
}

/** The channel `/deploy` was typed in, from `private_metadata`; '' when absent or unreadable. Pure. */
export function readDeployChannel(privateMetadata: string | undefined): string {
  try {
    const parsed = z.object({ channelId: z.string() }).safeParse(JSON.parse(privateMetadata ?? ''));
    return parsed.success ? parsed.data.channelId : '';
  } catch {
    return '';
  }
}

const BLOCK_FOR_CODE: Partial<Record<ErrorCode, ModalBlock>> = {
  'unknown-service': 'service',
  'unknown-environment': 'environment',
  'environment-not-allowed': 'environment',
  'target-locked': 'environment',
  forbidden: 'environment',
  'invalid-version': 'version',
  usage: 'version',
};

/**
 * Turns a refusal into the inline error Slack shows under the input it concerns (`response_action:
 * 'errors'`, keyed by block_id). Modal errors are plain text, so Markdown is flattened. Anything uncoded
 * goes under the service with a log reference. Pure.
 */
export function modalErrorsFor(err: unknown, reference?: string): Record<string, string> {
  const block = isFlightdeckError(err) ? (BLOCK_FOR_CODE[err.code] ?? 'service') : 'service';
  return { [DEPLOY_MODAL_BLOCKS[block]]: toPlainText(toUserText(err, reference)) };
}

function toPlainText(text: string): string {
  return text
    .replace(/`/g, '')
    .replace(/<@([A-Z0-9]+)>/g, '@$1')
    .replace(/<#([A-Z0-9]+)>/g, '#$1')
    .replace(/\n/g, ' ');
}
