import { z } from 'zod';

/*
 * The fields of a click or a modal submission that Bolt's dispatch and flightdeck's listeners read, with
 * the types Slack sends them in (protocols A4). Everything else passes through unchecked.
 */
const user = z.looseObject({ id: z.string().min(1), team_id: z.string().optional() });
// `team` is null for org-wide installs; Bolt then takes the team from the user.
const team = z.looseObject({ id: z.string() }).nullable().optional();
const enterprise = z.looseObject({ id: z.string() }).nullable().optional();

const blockActionsBody = z.looseObject({
  type: z.literal('block_actions'),
  user,
  team,
  enterprise,
  trigger_id: z.string().optional(),
  container: z.looseObject({ type: z.string(), message_ts: z.string().optional() }),
  // Absent for a click in a modal, which carries `view` instead.
  channel: z.looseObject({ id: z.string() }).optional(),
  view: z.looseObject({ id: z.string() }).optional(),
  response_url: z.url().optional(),
  actions: z
    .array(z.looseObject({ type: z.string(), action_id: z.string(), block_id: z.string(), action_ts: z.string(), value: z.string().optional() }))
    .min(1),
});

const viewSubmissionBody = z.looseObject({
  type: z.literal('view_submission'),
  user,
  team,
  enterprise,
  trigger_id: z.string().optional(),
  view: z.looseObject({
    id: z.string(),
    callback_id: z.string(),
    private_metadata: z.string().optional(),
    app_installed_team_id: z.string().nullable().optional(),
    state: z.looseObject({ values: z.record(z.string(), z.record(z.string(), z.looseObject({ type: z.string() }))) }),
  }),
  response_urls: z.array(z.looseObject({ response_url: z.url() })).optional(),
});

const SCHEMAS: Record<string, z.ZodType> = { block_actions: blockActionsBody, view_submission: viewSubmissionBody };

export interface MalformedInteraction {
  type: 'block_actions' | 'view_submission';
  /** The paths of the fields that are missing or of the wrong type, e.g. `user.id, response_url`. */
  fields: string;
}

/**
 * Checks a `block_actions` or `view_submission` body once, before Bolt dispatches it: Bolt reads
 * `user.id`, `channel.id`, `actions[0]` and `view` before any middleware runs, and the listeners trust
 * `response_url`, `user` and the action fields, so a wrong type there answered 500 or failed every
 * listener (RELIABILITY.md finding 5). Other bodies are not interactions flightdeck handles.
 *
 * @returns what is wrong, or undefined for a well-formed body or one of another type.
 */
export function findMalformedInteraction(body: unknown): MalformedInteraction | undefined {
  const type = typeof body === 'object' && body !== null ? (body as { type?: unknown }).type : undefined;
  if (type !== 'block_actions' && type !== 'view_submission') return undefined;
  const parsed = SCHEMAS[type]!.safeParse(body);
  if (parsed.success) return undefined;
  const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(body)'))].join(', ');
  // Paths can hold keys Slack never sent (of any length); the log line needs only enough to recognise them.
  return { type, fields: fields.slice(0, 300) };
}
