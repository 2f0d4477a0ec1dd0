import type { RequestAttributes } from './rbac-authorizer.js';
import { StatusError, conflict, forbidden } from './status-error.js';

/** Narrows a fault to some requests; every given field must match. */
export interface RequestMatch {
  method?: string;
  pathIncludes?: string;
}

interface Counted extends RequestMatch {
  remaining: number;
}

const matches = (m: RequestMatch, method: string, path: string) => (!m.method || m.method === method) && (!m.pathIncludes || path.includes(m.pathIncludes));

function take<T extends Counted>(faults: T[], method: string, path: string): T | undefined {
  const found = faults.find((x) => x.remaining > 0 && matches(x, method, path));
  if (found) found.remaining -= 1;
  return found;
}

/** The faults a test switched on: injected failures, RBAC denials, delays, hangs and silent watches. */
export class FaultInjection {
  private readonly failures: Array<Counted & { status: 500 | 409 | 403 }> = [];
  private readonly delays: Array<Counted & { ms: number }> = [];
  private readonly hangs: Counted[] = [];
  private readonly silences: Counted[] = [];
  private readonly denials: Array<{ verb: string; resource: string; namespace?: string }> = [];

  failNext(count: number, status: 500 | 409 | 403, match: RequestMatch): void {
    this.failures.push({ remaining: count, status, ...match });
  }

  delayNext(count: number, ms: number, match: RequestMatch): void {
    this.delays.push({ remaining: count, ms, ...match });
  }

  hangNext(count: number, match: RequestMatch): void {
    this.hangs.push({ remaining: count, ...match });
  }

  silenceNextWatches(count: number, match: RequestMatch): void {
    this.silences.push({ remaining: count, ...match });
  }

  forbid(rule: { verb: string; resource: string; namespace?: string }): void {
    this.denials.push(rule);
  }

  /** Injected failures, delays, hangs and silences not yet used up: a scenario checks its faults fired. */
  pending(): { failures: number; delays: number; hangs: number; silences: number } {
    const left = (faults: Counted[]) => faults.reduce((sum, fault) => sum + fault.remaining, 0);
    return { failures: left(this.failures), delays: left(this.delays), hangs: left(this.hangs), silences: left(this.silences) };
  }

  /** Milliseconds to hold this request back (consumes one count of the first matching delay). */
  takeDelay(method: string, path: string): number {
    return take(this.delays, method, path)?.ms ?? 0;
  }

  /** Whether to leave this request unanswered and unserved (consumes one count of the first matching hang). */
  takeHang(method: string, path: string): boolean {
    return take(this.hangs, method, path) !== undefined;
  }

  /** Whether this watch should stay open without events (consumes one count of the first matching silence). */
  takeSilence(method: string, path: string): boolean {
    return take(this.silences, method, path) !== undefined;
  }

  /** The error to answer with instead of serving the request, if a fault applies (consumes a failure count). */
  check(method: string, path: string, user: string, a: RequestAttributes): StatusError | undefined {
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const f = this.failures.find((x) => x.remaining > 0 && matches(x, method, path));
    if (f) {
      f.remaining -= 1;
      if (f.status === 403) return forbidden(user, a);
      if (f.status === 409) return conflict(a.resource, a.name);
      return new StatusError(500, 'InternalError', 'Internal error occurred: emulated failure (failNext)');
    }
    if (this.denials.some((d) => d.verb === a.verb && d.resource === resource && (!d.namespace || d.namespace === a.namespace))) {
      return forbidden(user, a);
    }
    return undefined;
  }
}
