import type { Redis } from 'ioredis';
import type { Db } from '../db/client.ts';
import { TtlCache } from '../cache.ts';
import type { Clock } from '../clock.ts';
import type { CoalescedReads } from '../redis/coalesced-reads.ts';
import { currentRole } from './lookup.ts';
import type { Role } from './roles.ts';

// The member's role, looked up on every authenticated request (≈ 400 µs through Prisma, measured),
// kept per process while the member's role version in Redis stays the same. Every role change
// bumps that version after its commit and before it answers (members.ts), and every request reads
// the version in the same Redis round trip as its revocation check (apps/core/auth/authenticate.ts), so a
// demoted member holds the old role on no request after the change answered, in any process.
// A version, not a time, so clocks of different machines never matter.
const ENTRY_MAX_AGE_MS = 60_000;
// Longer than any entry lives: an entry stored under a version that later expired is gone first.
const VERSION_TTL_SECONDS = 24 * 60 * 60;
const ROLE_CACHE_LIMIT = 10_000;

const roleVersionKey = (userId: string, groupId: string) => `auth:role-version:${groupId}:${userId}`;

/** Marks the member's role as changed for every process (after the change is committed). */
export async function bumpRoleVersion(redis: Redis, userId: string, groupId: string): Promise<void> {
  const key = roleVersionKey(userId, groupId);
  await redis.multi().incr(key).expire(key, VERSION_TTL_SECONDS).exec();
}

interface Entry {
  role: Role | null;
  version: string | null;
  readAt: number;
}

/**
 * `currentRole` per member, cached while the member's role version is unchanged (see above). One
 * per process, built by the composition root (apps/core/deps.ts) on its database and clock.
 */
export class RoleCache {
  readonly #roles: TtlCache<Entry>;

  constructor(
    private readonly db: Db,
    private readonly reads: CoalescedReads,
    private readonly clock: Clock,
  ) {
    this.#roles = new TtlCache(clock, { ttlMs: ENTRY_MAX_AGE_MS, maxEntries: ROLE_CACHE_LIMIT });
  }

  /** The member's role version (null when never changed); joins the revocation check's MGET. */
  async readVersion(userId: string, groupId: string): Promise<string | null> {
    const [version] = await this.reads.mget([roleVersionKey(userId, groupId)]);
    return version ?? null;
  }

  /**
   * `currentRole`, cached while `version` (read from Redis for this request) is unchanged; a token
   * issued after the cached read (a member re-added with another role) always reads afresh.
   */
  async cachedRole(
    member: { userId: string; groupId: string; tokenIssuedAt: Date },
    version: string | null,
  ): Promise<Role | null> {
    const key = `${member.groupId}:${member.userId}`;
    const entry = this.#roles.get(key);
    if (entry && entry.version === version && member.tokenIssuedAt.getTime() <= entry.readAt) return entry.role;
    const readAt = this.clock.now().getTime();
    const role = await currentRole(this.db, member.userId, member.groupId);
    this.#roles.set(key, { role, version, readAt });
    return role;
  }

  close(): void {
    this.#roles.clear();
  }
}
