import type { Checklist, ChecklistItem } from '../checklist/checklist-schema.js';
import { parseDuration } from '../checklist/parse-duration.js';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import type { Run, RunItem, RunTarget } from './run-schema.js';

export interface CreateRunInput {
  id: string;
  service: string;
  environment: string;
  version: string;
  target: RunTarget;
  requestedBy: string;
  channel: string;
  checklist: Checklist;
}

/**
 * Instantiates a checklist as a new run: state `pending`, seq 0 (the store writes seq 1), every phase and
 * item `pending`. Step items get a readable title when the checklist gives none, and wait-rollout steps
 * carry their timeout in milliseconds so workers need not re-read the checklist.
 *
 * @param now - creation time, epoch ms (the core never reads the clock).
 * @throws FlightdeckError `checklist-invalid` if a step's timeout is not a duration (only possible when the
 *   checklist bypassed its schema).
 */
export function createRun(input: CreateRunInput, now: number): Run {
  return {
    id: input.id,
    seq: 0,
    service: input.service,
    environment: input.environment,
    version: input.version,
    checklist: input.checklist.name,
    target: { ...input.target },
    requestedBy: input.requestedBy,
    channel: input.channel,
    state: 'pending',
    phases: input.checklist.phases.map((phase) => ({
      id: phase.id,
      title: phase.title,
      state: 'pending',
      items: phase.items.map((item) => toRunItem(item, input.target)),
    })),
    createdAt: now,
    updatedAt: now,
  };
}

function toRunItem(item: ChecklistItem, target: RunTarget): RunItem {
  if (item.kind === 'manual') {
    return { id: item.id, kind: 'manual', title: item.title, state: 'pending' };
  }
  if (item.action === 'set-image') {
    return {
      id: item.id,
      kind: 'step',
      action: 'set-image',
      title: item.title ?? `Set image to ${target.image}`,
      state: 'pending',
    };
  }
  const timeoutMs = parseDuration(item.timeout);
  if (timeoutMs === null || timeoutMs <= 0) {
    throw new FlightdeckError('checklist-invalid', `Step "${item.id}" has an invalid timeout "${item.timeout}".`, {
      remedy: 'Use a whole number and a unit, e.g. 90s or 10m.',
    });
  }
  return {
    id: item.id,
    kind: 'step',
    action: 'wait-rollout',
    title: item.title ?? 'Wait for rollout',
    timeoutMs,
    state: 'pending',
  };
}
