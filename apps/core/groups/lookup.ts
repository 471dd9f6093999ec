import type { Db } from '../db/client.ts';
import { isRole, type Role } from './roles.ts';

/** Group ids are `grp_` + 22 base64url characters (apps/core/ids.ts); names may not start with `grp_`. */
export const GROUP_ID_PREFIX = 'grp_';

export interface GroupRef {
  id: string;
  name: string;
}

/** Finds a group by its id or its name (the API accepts either wherever a group is named). */
export async function findGroup(db: Db, nameOrId: string): Promise<GroupRef | null> {
  const where = nameOrId.startsWith(GROUP_ID_PREFIX) ? { id: nameOrId } : { name: nameOrId };
  return db.group.findUnique({ where, select: { id: true, name: true } });
}

/** A member's username: tokens do not carry it (apps/core/auth/tokens/tokens.ts keeps them short). */
export async function usernameOf(db: Db, userId: string): Promise<string | null> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { username: true } });
  return user?.username ?? null;
}

/** The member's current role in the group, or null when they are not (or no longer) a member. */
export async function currentRole(db: Db, userId: string, groupId: string): Promise<Role | null> {
  const membership = await db.membership.findUnique({
    where: { groupId_userId: { groupId, userId } },
    select: { role: true },
  });
  return membership && isRole(membership.role) ? membership.role : null;
}
