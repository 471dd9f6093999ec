import type { Db } from '../db/client.ts';
import { currentRole } from './lookup.ts';
import type { Role } from './roles.ts';

// The member's role, looked up on every authenticated request (≈ 400 µs through Prisma, measured),
// kept for a few seconds per process. It cannot let a removed member in: removal revokes the
// member's tokens in Redis, which is checked on every request before this. A token issued after
// the entry was read (a member re-added with another role signs in again) always reads afresh.
const ROLE_TTL_MS = 3_000;
const ROLE_CACHE_LIMIT = 10_000;

interface Entry {
  role: Role | null;
  readAt: number;
}

const rolesByDb = new WeakMap<Db, Map<string, Entry>>();

/** `currentRole`, cached briefly; `tokenIssuedAt` newer than the cached read forces a fresh read. */
export async function cachedRole(db: Db, userId: string, groupId: string, tokenIssuedAt: Date, now: Date) {
  let roles = rolesByDb.get(db);
  if (!roles) rolesByDb.set(db, (roles = new Map()));
  const key = `${groupId}:${userId}`;
  const entry = roles.get(key);
  const fresh = entry && now.getTime() - entry.readAt < ROLE_TTL_MS && tokenIssuedAt.getTime() <= entry.readAt;
  if (entry && fresh) return entry.role;
  const readAt = now.getTime();
  const role = await currentRole(db, userId, groupId);
  roles.delete(key);
  if (roles.size >= ROLE_CACHE_LIMIT) roles.delete(roles.keys().next().value as string);
  roles.set(key, { role, readAt });
  return role;
}
