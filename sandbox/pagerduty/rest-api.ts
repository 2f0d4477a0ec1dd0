export interface PagerDutyUser {
  id: string;
  name: string;
  email: string;
  /** Default 'UTC'. */
  timeZone?: string;
}

export interface OnCallEntry {
  escalationPolicyId: string;
  userId: string;
  escalationLevel: number;
}

export interface RestReply {
  status: number;
  body: unknown;
}

const BASE = 'https://api.pagerduty.com';

/** PagerDuty's REST error envelope (protocols.md C2). */
export function restError(status: number, message: string, code: number, errors?: string[]): RestReply {
  return { status, body: { error: errors ? { message, code, errors } : { message, code } } };
}

function fullUser(user: PagerDutyUser): Record<string, unknown> {
  return {
    id: user.id,
    type: 'user',
    summary: user.name,
    self: `${BASE}/users/${user.id}`,
    html_url: `https://emulator.pagerduty.com/users/${user.id}`,
    name: user.name,
    email: user.email,
    time_zone: user.timeZone ?? 'UTC',
    role: 'user',
  };
}

function userReference(user: PagerDutyUser): Record<string, unknown> {
  return {
    id: user.id,
    type: 'user_reference',
    summary: user.name,
    self: `${BASE}/users/${user.id}`,
    html_url: `https://emulator.pagerduty.com/users/${user.id}`,
  };
}

function parseIntParam(value: string | null, fallback: number): number | undefined {
  if (value === null) return fallback;
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Users and on-call entries, answering `GET /oncalls` and `GET /users/{id}` like REST API v2. */
export class RestApi {
  readonly users = new Map<string, PagerDutyUser>();
  onCalls: OnCallEntry[] = [];

  handle(method: string, url: URL): RestReply {
    if (method !== 'GET') return restError(404, 'Not Found', 2100);
    if (url.pathname === '/oncalls') return this.listOnCalls(url.searchParams);
    const userMatch = /^\/users\/([^/]+)$/.exec(url.pathname);
    if (userMatch) {
      const user = this.users.get(decodeURIComponent(userMatch[1] ?? ''));
      return user ? { status: 200, body: { user: fullUser(user) } } : restError(404, 'Not Found', 2100);
    }
    return restError(404, 'Not Found', 2100);
  }

  private listOnCalls(query: URLSearchParams): RestReply {
    const limit = parseIntParam(query.get('limit'), 25);
    const offset = parseIntParam(query.get('offset'), 0);
    if (limit === undefined || offset === undefined) {
      return restError(400, 'Invalid Input Provided', 2001, ['limit and offset must be non-negative integers']);
    }
    // The real API caps limit at 100 rather than refusing larger values.
    const pageSize = Math.min(Math.max(limit, 1), 100);
    if (offset + pageSize > 10_000) {
      return restError(400, 'Invalid Input Provided', 2001, ['Offset must be less than 10000 - limit']);
    }
    const policies = query.getAll('escalation_policy_ids[]');
    const withUsers = query.getAll('include[]').includes('users');
    const matching = this.onCalls.filter((e) => policies.length === 0 || policies.includes(e.escalationPolicyId));
    const page = matching.slice(offset, offset + pageSize).map((entry) => {
      const user = this.users.get(entry.userId);
      if (!user) throw new Error(`emulator state: on-call user ${entry.userId} was never added`);
      return {
        escalation_level: entry.escalationLevel,
        start: null,
        end: null,
        user: withUsers ? fullUser(user) : userReference(user),
        schedule: null,
        escalation_policy: {
          id: entry.escalationPolicyId,
          type: 'escalation_policy_reference',
          summary: entry.escalationPolicyId,
          self: `${BASE}/escalation_policies/${entry.escalationPolicyId}`,
        },
      };
    });
    const total = query.get('total') === 'true' ? matching.length : null;
    return { status: 200, body: { oncalls: page, limit: pageSize, offset, more: offset + pageSize < matching.length, total } };
  }
}
