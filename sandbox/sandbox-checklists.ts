import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseDuration } from '../src/checklist/parse-duration.js';

/** Waits shrink this many times in the sandbox: a 5-minute bake takes 5 seconds, a 2-minute guard window 2. */
export const SANDBOX_TIME_SCALE = 60;
/** Keys whose durations are waits (bakes, follow-ups, guard windows, check intervals), not timeouts. */
const WAIT_KEYS = new Set(['duration', 'after', 'for', 'interval']);
/**
 * Guards (by id) that act differently in the sandbox: the shipped error-rate guard rolls back by itself, which
 * leaves the on-call nothing to do; here it pages the on-call, whose DM's Rollback button then rolls back, so
 * the whole breach → alert → page → rollback loop can be tried. The other guards still roll back by themselves.
 */
const SANDBOX_GUARD_ACTIONS: Readonly<Record<string, string>> = { 'error-rate': 'page' };

export interface SandboxChecklistOptions {
  /** Where HTTP checks go instead: the services exist only in the emulated cluster, so the sandbox answers 200. */
  healthUrl: string;
  /** Apply {@link SANDBOX_GUARD_ACTIONS}: for the shipped checklists only; one's own guards act as written. */
  demoGuards: boolean;
}

/**
 * Copies every checklist in `from` to `to` as the sandbox runs it: waits divided by {@link SANDBOX_TIME_SCALE}
 * (at least 1 s), HTTP checks pointed at `healthUrl`, Prometheus queries sent to the environment's (emulated)
 * Prometheus whatever URL they name, and with `demoGuards` the guard actions of {@link SANDBOX_GUARD_ACTIONS}.
 * Everything else (items, roles, sign-offs, thresholds) is unchanged. Returns what still reaches outside the
 * sandbox, one sentence each: tcp, redis and postgres probes, which it does not emulate.
 */
export function writeSandboxChecklists(from: string, to: string, options: SandboxChecklistOptions): string[] {
  mkdirSync(to, { recursive: true });
  const notes = new Set<string>();
  for (const file of readdirSync(from).filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))) {
    const checklist = parse(readFileSync(join(from, file), 'utf8')) as unknown;
    writeFileSync(join(to, file), `# Derived by flightdeck sandbox from ${join(from, file)}\n${stringify(adapt(checklist, options))}`);
    for (const type of outsideProbes(checklist)) notes.add(`${file}: its ${type} probes reach the real address they name; the sandbox emulates no ${type} server.`);
  }
  return [...notes];
}

/** Probe types the sandbox leaves pointing at the real world. */
function outsideProbes(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(outsideProbes);
  if (node === null || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const own = typeof record.type === 'string' && ['tcp', 'redis', 'postgres'].includes(record.type) ? [record.type] : [];
  return [...new Set([...own, ...Object.values(record).flatMap(outsideProbes)])];
}

function adapt(node: unknown, options: SandboxChecklistOptions): unknown {
  if (Array.isArray(node)) return node.map((child) => adapt(child, options));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  const record = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    if (WAIT_KEYS.has(key) && typeof value === 'string') out[key] = shrink(value);
    else if (key === 'guards' && Array.isArray(value) && options.demoGuards) out[key] = value.map((guard) => sandboxGuard(adapt(guard, options)));
    else if (key === 'url' && record.type === 'http') out[key] = options.healthUrl;
    else if (key === 'url' && record.type === 'prometheus') continue;
    else out[key] = adapt(value, options);
  }
  return out;
}

function shrink(duration: string): string {
  const ms = parseDuration(duration);
  if (ms === null) return duration;
  return `${Math.max(1, Math.round(ms / SANDBOX_TIME_SCALE / 1000))}s`;
}

function sandboxGuard(guard: unknown): unknown {
  if (guard === null || typeof guard !== 'object') return guard;
  const action = SANDBOX_GUARD_ACTIONS[(guard as { id?: unknown }).id as string];
  return action ? { ...guard, action } : guard;
}
