import type { Db } from '../../db/client.ts';
import { findGroup } from '../../groups/lookup.ts';

export interface SignInIdentity {
  id: string;
  username: string;
  passwordHash: string | null;
}

const SELECT = { id: true, username: true, passwordHash: true } as const;

/**
 * The identity a password sign-in names (docs/api/groups-and-members.md: credentials belong to one
 * group's membership). With a group: that group's member known by the username, whichever group
 * the identity belongs to (its founder's identity comes along to a group it created). Without
 * one (or when the group has no member of that name): the only identity of that name; when several
 * groups each have their own, none, so the
 * answer is the same wrong-credentials refusal as for an unknown name and tells nothing.
 */
export async function findSignInIdentity(
  db: Db,
  username: string,
  groupRef: string | undefined,
): Promise<SignInIdentity | null> {
  if (groupRef !== undefined) {
    const group = await findGroup(db, groupRef);
    const membership =
      group &&
      (await db.membership.findFirst({
        where: { groupId: group.id, user: { username } },
        select: { user: { select: SELECT } },
      }));
    if (membership) return membership.user;
    // Not a member there: still the caller's own identity when the name has only one, so the
    // right password for a group one is not in answers NOT_A_MEMBER (sign-in.ts), never a token.
  }
  const identities = await db.user.findMany({ where: { username }, select: SELECT, take: 2 });
  return identities.length === 1 ? (identities[0] ?? null) : null;
}
