import type { z } from 'zod';
import { FlightdeckError } from '../errors/flightdeck-error.js';
import { onCallPageSchema, userResponseSchema } from './pagerduty-schemas.js';

/** One authenticated REST GET returning parsed JSON; rejects with a coded error on any failure. */
export type RestGet = (action: string, path: string, query: Record<string, string | string[]>) => Promise<unknown>;

/** PagerDuty's maximum page size. */
const PAGE_SIZE = 100;
/** Classic pagination refuses offset + limit beyond 10,000; stopping there keeps a runaway `more` finite. */
const MAX_OFFSET = 10_000 - PAGE_SIZE;

function parsed<T>(schema: z.ZodType<T>, body: unknown, action: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw new FlightdeckError('pagerduty-unavailable', `PagerDuty answered the ${action} with an unexpected body: ${result.error.message}`, {
    remedy: 'flightdeck retries with backoff; if this persists, PagerDuty may have changed its API.',
  });
}

/**
 * The emails of whoever is on call at escalation level 1 of a policy, in PagerDuty's order, without duplicates
 * (one person on two schedules of the policy appears once). Pages with `limit`/`offset` itself: pdjs's `.all()`
 * only works against a URL containing `.com/`. Users come inline through `include[]=users`; a user listed
 * without an email is fetched with `GET /users/{id}`. An empty array means nobody is on call.
 *
 * @throws FlightdeckError `pagerduty-unavailable` / `pagerduty-rejected` from `get`, or `pagerduty-unavailable`
 *   when a body does not have the documented shape.
 */
export async function findOnCallEmails(get: RestGet, escalationPolicyId: string): Promise<string[]> {
  const action = `on-call lookup for escalation policy ${escalationPolicyId}`;
  const users: { id: string; email: string | undefined }[] = [];
  const seen = new Set<string>();
  for (let offset = 0; offset <= MAX_OFFSET; offset += PAGE_SIZE) {
    const body = await get(action, '/oncalls', {
      'escalation_policy_ids[]': [escalationPolicyId],
      'include[]': ['users'],
      limit: String(PAGE_SIZE),
      offset: String(offset),
    });
    const page = parsed(onCallPageSchema, body, action);
    for (const entry of page.oncalls) {
      if (entry.escalation_level !== 1 || seen.has(entry.user.id)) continue;
      seen.add(entry.user.id);
      users.push({ id: entry.user.id, email: entry.user.email });
    }
    if (!page.more) break;
  }
  const emails: string[] = [];
  for (const user of users) {
    let email = user.email;
    if (!email) {
      const userAction = `user lookup for ${user.id}`;
      email = parsed(userResponseSchema, await get(userAction, `/users/${encodeURIComponent(user.id)}`, {}), userAction).user.email;
    }
    if (!emails.includes(email)) emails.push(email);
  }
  return emails;
}
