import type { Catalog } from '../config/catalog-schema.js';
import type { Logger } from '../observability/create-logger.js';

export interface RoleResolverOptions {
  /** Only `roles` is read: who holds each role (users and user groups). */
  catalog: Pick<Catalog, 'roles'>;
  /** Members of a Slack user group (`usergroups.users.list`); may reject. */
  listGroupMembers: (groupId: string) => Promise<string[]>;
  /** The clock the cache expires by, epoch ms. */
  now: () => number;
  /** How long a group's members are trusted before they are looked up again. Default 60 000. */
  ttlMs?: number;
  /** Told when a lookup fails; the last known members are used instead. */
  logger?: Pick<Logger, 'warn'>;
}

export interface RoleResolver {
  /**
   * The roles `userId` holds, in catalog order: listed directly, or a member of a listed group. Groups are
   * looked up only when their cached members have expired, so a warm cache answers without Slack calls.
   * A failed lookup falls back to the last known members (none if never fetched) and is logged; it never rejects.
   */
  rolesOf(userId: string): Promise<string[]>;
  /** Looks up every group now (e.g. at start-up), so the first clicks need no Slack call; never rejects. */
  warm(): Promise<void>;
}

interface CachedGroup {
  members: ReadonlySet<string>;
  fetchedAt: number;
}

/** Resolves Slack users to catalog roles with an expiring per-group cache. */
export function createRoleResolver(options: RoleResolverOptions): RoleResolver {
  const ttlMs = options.ttlMs ?? 60_000;
  const cache = new Map<string, CachedGroup>();
  const inFlight = new Map<string, Promise<ReadonlySet<string>>>();
  const roles = Object.entries(options.catalog.roles);

  async function fetchGroup(groupId: string): Promise<ReadonlySet<string>> {
    try {
      const members = new Set(await options.listGroupMembers(groupId));
      cache.set(groupId, { members, fetchedAt: options.now() });
      return members;
    } catch (err) {
      const known = cache.get(groupId);
      options.logger?.warn(
        { err, group: groupId, knownMembers: known?.members.size ?? 0 },
        known ? 'user group lookup failed; using the last known members' : 'user group lookup failed and no members are known; treating it as empty',
      );
      return known?.members ?? new Set();
    }
  }

  function membersOf(groupId: string): Promise<ReadonlySet<string>> | ReadonlySet<string> {
    const cached = cache.get(groupId);
    if (cached && options.now() - cached.fetchedAt < ttlMs) return cached.members;
    // Concurrent clicks share one lookup per group.
    let pending = inFlight.get(groupId);
    if (!pending) {
      pending = fetchGroup(groupId).finally(() => inFlight.delete(groupId));
      inFlight.set(groupId, pending);
    }
    return pending;
  }

  return {
    async rolesOf(userId) {
      const held: string[] = [];
      for (const [role, holders] of roles) {
        if (holders.users?.includes(userId)) {
          held.push(role);
          continue;
        }
        for (const group of holders.groups ?? []) {
          if ((await membersOf(group)).has(userId)) {
            held.push(role);
            break;
          }
        }
      }
      return held;
    },
    async warm() {
      const groups = new Set(roles.flatMap(([, holders]) => holders.groups ?? []));
      await Promise.all([...groups].map((group) => membersOf(group)));
    },
  };
}
