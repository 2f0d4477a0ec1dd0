import { z } from 'zod';
import { parseDuration } from '../checklist/parse-duration.js';
import { parseConnectToRules, type ConnectToRule } from './connect-to-rules.js';
import { REDIS_URL_FORMS, maskRedisUrl, parseRedisTarget } from './redis-target.js';
import { type NoProxyEntry, parseNoProxy, parseProxyUrl } from './proxy-settings.js';
import type { Secret } from './secret.js';

/*
 * Building blocks for the env schema. Every issue they raise reads "<problem> — <fix>", so loadEnv only
 * has to put the key in front. Values are trimmed and blank counts as unset before they get here.
 */

/** A required secret; its value never appears in a message. */
export function secretField(fix: string) {
  return z
    .string({ error: `is not set — ${fix}` })
    .transform((value) => value as Secret);
}

/** An optional secret: unset stays undefined (the caller decides whether its absence matters). */
export function optionalSecretField() {
  return z
    .string()
    .optional()
    .transform((value) => value as Secret | undefined);
}

/** A whole number in [min, max]; `noun` names what it is in the problem ("a port number"). */
export function intField(key: string, noun: string, min: number, max: number, fallback: number) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return fallback;
      const n = /^\d+$/.test(value) ? Number(value) : NaN;
      if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
      const problem = Number.isNaN(n) ? `${quote(value)} is not ${noun}` : `${value} is out of range`;
      ctx.addIssue({ code: 'custom', message: `${problem} — set ${key} to a whole number from ${min} to ${max}` });
      return z.NEVER;
    });
}

/** One of a fixed set, compared case-insensitively because `INFO` and `info` mean the same to a person. */
export function choiceField<const T extends string>(key: string, noun: string, choices: readonly T[], fallback: T) {
  return z
    .string()
    .optional()
    .transform((value, ctx): T => {
      if (value === undefined) return fallback;
      const found = choices.find((choice) => choice === value.toLowerCase());
      if (found !== undefined) return found;
      ctx.addIssue({
        code: 'custom',
        message: `${quote(value)} is not ${noun} — set ${key} to one of ${choices.join(', ')}`,
      });
      return z.NEVER;
    });
}

/** A string matching `pattern`; `rule` says in words what the pattern allows. */
export function patternField(key: string, pattern: RegExp, rule: string, fallback: string) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return fallback;
      if (pattern.test(value)) return value;
      ctx.addIssue({ code: 'custom', message: `${quote(value)} is not allowed — set ${key} to ${rule}` });
      return z.NEVER;
    });
}

/** Any non-blank text (paths); `fallback` undefined keeps the key optional. */
export function textField<F extends string | undefined>(fallback: F) {
  return z
    .string()
    .optional()
    .transform((value) => value ?? fallback);
}

/** A URL whose scheme is one of `protocols`. The URL is echoed only with its password masked. */
export function urlField(key: string, protocols: readonly string[], fallback: string, example: string) {
  const fix = `set ${key} to a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}, e.g. ${example}`;
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      const text = value ?? fallback;
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        // Unparseable text could hold a password we cannot locate, so it is not echoed.
        ctx.addIssue({ code: 'custom', message: `is not a URL — ${fix}` });
        return z.NEVER;
      }
      if (!protocols.includes(url.protocol)) {
        ctx.addIssue({ code: 'custom', message: `${quote(maskPassword(url))} has the wrong scheme — ${fix}` });
        return z.NEVER;
      }
      return url;
    });
}

/** `REDIS_URL`: one server, a Sentinel-named primary or a Redis Cluster's seed nodes (redis-target.ts); kept as written. */
export function redisUrlField(fallback: string) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      const text = value ?? fallback;
      try {
        parseRedisTarget(text);
      } catch (err) {
        // Text that is not even scheme://… could hold a password where the mask cannot find it: not echoed.
        const shown = /^[a-z][a-z0-9+.-]*:\/\//.test(text) ? `${quote(maskRedisUrl(text))} ${(err as Error).message}` : 'is not a URL';
        ctx.addIssue({ code: 'custom', message: `${shown} — set REDIS_URL to ${REDIS_URL_FORMS}` });
        return z.NEVER;
      }
      return text;
    });
}

/** The URL as text with any password replaced by `***`. */
export function maskPassword(url: URL): string {
  if (url.password === '') return url.href;
  const masked = new URL(url.href);
  masked.password = '***';
  return masked.href;
}

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}

/** A checklist duration (`90s`, `10m`) as milliseconds; unset stays undefined. */
export function durationField(key: string) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const ms = parseDuration(value);
      if (ms !== null && ms > 0) return ms;
      ctx.addIssue({ code: 'custom', message: `${quote(value)} is not a duration — set ${key} to a whole number above 0 and a unit: ms, s, m, h or d (e.g. 2s)` });
      return z.NEVER;
    });
}

/** `PROBE_CONNECT_TO`: comma-separated `HOST:PORT=ADDR:PORT` rules; unset is no rules. */
export function connectToField(key: string) {
  return z
    .string()
    .optional()
    .transform((value, ctx): ConnectToRule[] => {
      if (value === undefined) return [];
      const parsed = parseConnectToRules(value);
      if ('rules' in parsed) return parsed.rules;
      ctx.addIssue({
        code: 'custom',
        message: `${quote(parsed.bad)} is not HOST:PORT=ADDR:PORT — set ${key} to comma-separated rules, e.g. *.svc.cluster.local:80=127.0.0.1:8080`,
      });
      return z.NEVER;
    });
}

/** A proxy variable (`HTTPS_PROXY`): an http(s) URL or bare host:port; unset stays undefined. Never echoed: it may carry a password. */
export function proxyField(key: string) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const parsed = parseProxyUrl(value);
      if (parsed instanceof URL) return parsed;
      ctx.addIssue({ code: 'custom', message: `${parsed.problem} — set ${key} to the proxy's URL, e.g. http://proxy.example.com:3128, or unset it` });
      return z.NEVER;
    });
}

/** `NO_PROXY`: hosts, domains, IPs and CIDR blocks that bypass the proxy; unset is none. */
export function noProxyField(key: string) {
  return z
    .string()
    .optional()
    .transform((value, ctx): NoProxyEntry[] => {
      if (value === undefined) return [];
      const parsed = parseNoProxy(value);
      if ('entries' in parsed) return parsed.entries;
      ctx.addIssue({
        code: 'custom',
        message: `${quote(parsed.bad)} is not a host, domain, IP address or CIDR block — set ${key} to a comma-separated list, e.g. localhost,127.0.0.1,.svc,10.0.0.0/8`,
      });
      return z.NEVER;
    });
}
