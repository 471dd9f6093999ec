import type { Redis } from 'ioredis';
import type { Db } from '../db/client.ts';
import { coalescedMget } from '../redis/coalesced-reads.ts';
import { currentRole } from './lookup.ts';
import type { Role } from './roles.ts';

// The member's role, looked up on every authenticated request (≈ 400 µs through Prisma, measured),
// kept per process while the member's role version in Redis stays the same. Every role change
// bumps that version after its commit and before it answers (members.ts), and every request reads
// the version in the same Redis round trip as its revocation check (authenticate.ts), so a
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

/** The member's role version (null when never changed); joins the revocation check's MGET. */
export async function readRoleVersion(redis: Redis, userId: string, groupId: string): Promise<string | null> {
  const [version] = await coalescedMget(redis, [roleVersionKey(userId, groupId)]);
  return version ?? null;
}

interface Entry {
  role: Role | null;
  version: string | null;
  readAt: number;
}

const rolesByDb = new WeakMap<Db, Map<string, Entry>>();

/**
 * `currentRole`, cached while `version` (read from Redis for this request) is unchanged; a token
 * issued after the cached read (a member re-added with another role) always reads afresh.
 */
export async function cachedRole(
  db: Db,
  member: { userId: string; groupId: string; tokenIssuedAt: Date },
  version: string | null,
  now: Date,
): Promise<Role | null> {
  let roles = rolesByDb.get(db);
  if (!roles) rolesByDb.set(db, (roles = new Map()));
  const key = `${member.groupId}:${member.userId}`;
  const entry = roles.get(key);
  const fresh =
    entry &&
    entry.version === version &&
    now.getTime() - entry.readAt < ENTRY_MAX_AGE_MS &&
    member.tokenIssuedAt.getTime() <= entry.readAt;
  if (entry && fresh) return entry.role;
  const readAt = now.getTime();
  const role = await currentRole(db, member.userId, member.groupId);
  roles.delete(key);
  if (roles.size >= ROLE_CACHE_LIMIT) roles.delete(roles.keys().next().value as string);
  roles.set(key, { role, version, readAt });
  return role;
}
