import { parse, type ParsedUrlQuery } from 'node:querystring';
import { z } from 'zod';

/** Bolt form-parses a body only when the content type is exactly this (protocols A2); anything else is JSON. */
const FORM = 'application/x-www-form-urlencoded';

/** What Bolt's receiver reads before any listener runs: an interaction payload is an object naming its type. */
const interactionPayload = z.looseObject({ type: z.string() });
const eventsBody = z.looseObject({});

/**
 * A body posted to `/slack/events` as Bolt will read it: the fields of a form, or text Bolt parses as JSON. A
 * form is parsed once for both checks below: a click's form carries the whole message, and parsing it was the
 * largest cost of a click on the answering event loop after Bolt's own parse.
 */
export type SlackBody = { kind: 'form'; fields: ParsedUrlQuery } | { kind: 'json'; text: string };

export function slackBodyOf(rawBody: string, contentType: string | undefined): SlackBody {
  return contentType === FORM ? { kind: 'form', fields: parse(rawBody) } : { kind: 'json', text: rawBody };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Slack's reachability probe, which Slack sends unsigned and Bolt answers (and strips of any other field) itself. */
export function isSslCheck(body: SlackBody): boolean {
  return body.kind === 'form' && body.fields.ssl_check === '1';
}

/**
 * Checks a signed body has the shape of something Slack sends to `/slack/events`, parsed as Bolt 5.1's
 * HTTPReceiver will parse it: a slash command form, an interaction form whose `payload` is a JSON object
 * with a string `type`, or a JSON object. Bolt reads fields of the parsed body without checking it is an
 * object, in a promise nobody awaits, so `payload=null` would leave the request unanswered (RELIABILITY.md
 * finding 3); Slack never sends such bodies, so they are refused before Bolt sees them.
 *
 * @returns why the body is refused, or undefined when Bolt may have it.
 */
export function checkSlackEnvelope(body: SlackBody): string | undefined {
  if (body.kind === 'json') return eventsBody.safeParse(parseJson(body.text)).success ? undefined : 'the body is not a JSON object';
  const { fields } = body;
  if (Object.values(fields).some((value) => Array.isArray(value))) return 'a form field appears more than once';
  if (typeof fields.payload === 'string') {
    return interactionPayload.safeParse(parseJson(fields.payload)).success ? undefined : '`payload` is not a JSON object with a string `type`';
  }
  return typeof fields.command === 'string' ? undefined : 'the form carries neither `command` nor `payload`';
}
