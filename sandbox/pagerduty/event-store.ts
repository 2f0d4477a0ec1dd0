import { randomBytes } from 'node:crypto';

export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';
export type EventAction = 'trigger' | 'acknowledge' | 'resolve';

/** An alert opened by a trigger; later events with its dedup key (and routing key) move it. */
export interface Incident {
  id: string;
  routingKey: string;
  dedupKey: string;
  status: IncidentStatus;
  summary: string;
  source: string;
  severity: string;
  customDetails: unknown;
  links: unknown[];
  /** How many triggers were folded into this incident (1 + deduplicated repeats). */
  triggerCount: number;
  /** Actions that reached this incident, in order. */
  history: EventAction[];
}

/** One request to the Events API as received, including rejected and fault-injected ones. */
export interface LoggedEvent {
  kind: 'event' | 'change';
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  /** HTTP status the emulator answered with; 0 when `stallNext` left it unanswered. */
  status: number;
  /** What happened: `opened`, `deduplicated`, `acknowledged`, `resolved`, `dropped` (no open incident), `change`, `rejected`, `fault`. */
  outcome: string;
}

/** 202 body, or the 400 body PagerDuty sends for an invalid event. */
export interface EventReply {
  status: number;
  body: Record<string, unknown>;
  outcome: string;
}

const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);
const ACTIONS = new Set(['trigger', 'acknowledge', 'resolve']);
const MAX_BYTES = 512 * 1024;

function invalid(errors: string[]): EventReply {
  // Shape from the Events API v2 docs; the exact status/message strings are UNCONFIRMED (protocols.md C1).
  return { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors }, outcome: 'rejected' };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Incidents keyed by routing key + dedup key, the way the Events API deduplicates. */
export class EventStore {
  readonly routingKeys = new Set<string>();
  readonly incidents: Incident[] = [];
  readonly log: LoggedEvent[] = [];
  private nextId = 1;

  /** The open incident (triggered or acknowledged) for a dedup key, else the latest one. */
  find(dedupKey: string): Incident | undefined {
    const all = this.incidents.filter((i) => i.dedupKey === dedupKey);
    return all.find((i) => i.status !== 'resolved') ?? all.at(-1);
  }

  handleEvent(raw: string): EventReply {
    const checked = this.common(raw);
    if ('reply' in checked) return checked.reply;
    const { body, routingKey } = checked;
    if (!ACTIONS.has(body.event_action as string)) {
      return invalid(["'event_action' is missing or invalid (must be one of trigger, acknowledge, resolve)"]);
    }
    const action = body.event_action as EventAction;
    const dedup = body.dedup_key;
    if (dedup !== undefined && (!nonEmptyString(dedup) || dedup.length > 255)) {
      return invalid(["'dedup_key' must be a non-empty string of at most 255 characters"]);
    }
    if (action === 'trigger') return this.trigger(body, routingKey, dedup);
    if (dedup === undefined) return invalid([`'dedup_key' is required for ${action} events`]);
    const open = this.incidents.find((i) => i.routingKey === routingKey && i.dedupKey === dedup && i.status !== 'resolved');
    const accepted = { status: 'success', message: 'Event processed', dedup_key: dedup };
    // PagerDuty accepts follow-ups without an open alert and silently drops them.
    if (!open) return { status: 202, body: accepted, outcome: 'dropped' };
    open.history.push(action);
    if (action === 'resolve') open.status = 'resolved';
    else if (open.status === 'triggered') open.status = 'acknowledged';
    return { status: 202, body: accepted, outcome: action === 'resolve' ? 'resolved' : 'acknowledged' };
  }

  handleChange(raw: string): EventReply {
    const checked = this.common(raw);
    if ('reply' in checked) return checked.reply;
    const payload = checked.body.payload;
    if (!isObject(payload) || !nonEmptyString(payload.summary)) return invalid(["'payload.summary' is required"]);
    // Response body of change events is UNCONFIRMED; this mirrors the alert events' shape.
    return { status: 202, body: { status: 'success', message: 'Change event processed' }, outcome: 'change' };
  }

  private common(raw: string): { body: Record<string, unknown>; routingKey: string } | { reply: EventReply } {
    if (Buffer.byteLength(raw) > MAX_BYTES) return { reply: invalid(['Event object exceeds the 512 KB size limit']) };
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return { reply: invalid(['Event object is not valid JSON']) };
    }
    if (!isObject(body)) return { reply: invalid(['Event object must be a JSON object']) };
    if (!nonEmptyString(body.routing_key)) return { reply: invalid(["'routing_key' is missing"]) };
    if (!this.routingKeys.has(body.routing_key)) return { reply: invalid(['Invalid routing key']) };
    if (body.links !== undefined && (!Array.isArray(body.links) || !body.links.every((l) => isObject(l) && nonEmptyString(l.href)))) {
      return { reply: invalid(["'links' must be an array of objects with an 'href'"]) };
    }
    return { body, routingKey: body.routing_key };
  }

  private trigger(body: Record<string, unknown>, routingKey: string, dedup: string | undefined): EventReply {
    const payload = body.payload;
    if (!isObject(payload)) return invalid(["'payload' is required for trigger events"]);
    const errors: string[] = [];
    if (!nonEmptyString(payload.summary)) errors.push("'payload.summary' is required");
    if (!nonEmptyString(payload.source)) errors.push("'payload.source' is required");
    if (!SEVERITIES.has(payload.severity as string)) errors.push("'payload.severity' must be one of critical, error, warning, info");
    if (payload.custom_details !== undefined && !isObject(payload.custom_details)) errors.push("'payload.custom_details' must be an object");
    if (errors.length > 0) return invalid(errors);
    const dedupKey = dedup ?? randomBytes(16).toString('hex');
    const reply = { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: dedupKey } };
    const open = this.incidents.find((i) => i.routingKey === routingKey && i.dedupKey === dedupKey && i.status !== 'resolved');
    if (open) {
      open.triggerCount += 1;
      open.history.push('trigger');
      return { ...reply, outcome: 'deduplicated' };
    }
    this.incidents.push({
      id: `PINC${String(this.nextId++).padStart(4, '0')}`,
      routingKey,
      dedupKey,
      status: 'triggered',
      summary: payload.summary as string,
      source: payload.source as string,
      severity: payload.severity as string,
      customDetails: payload.custom_details,
      links: (body.links as unknown[] | undefined) ?? [],
      triggerCount: 1,
      history: ['trigger'],
    });
    return { ...reply, outcome: 'opened' };
  }
}
