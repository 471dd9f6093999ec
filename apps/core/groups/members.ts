import { recordAudit } from '../audit.ts';
import { assertMayActOn, assertMayGrantRole, auditActor, type Caller } from '../auth/caller.ts';
import { createPasswordSetup } from '../auth/passwords/password-setup.ts';
import { revokeMemberTokens } from '../auth/tokens/tokens.ts';
import { hashPassword } from '../crypto/hashing.ts';
import type { Db } from '../db/client.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound, validationFailed } from '../errors.ts';
import { newId } from '../ids.ts';
import { bumpRoleVersion } from './role-cache.ts';
import { isRole, type Role } from './roles.ts';
import { isUniqueViolation } from './unique-violation.ts';

export interface Member {
  userId: string;
  username: string;
  role: string;
  createdAt: Date;
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/** The group's members, by username. */
export async function listMembers(deps: Pick<Deps, 'db'>, groupId: string): Promise<Member[]> {
  const rows = await deps.db.membership.findMany({
    where: { groupId },
    select: { role: true, createdAt: true, user: { select: { id: true, username: true } } },
    orderBy: { user: { username: 'asc' } },
  });
  return rows.map((r) => ({ userId: r.user.id, username: r.user.username, role: r.role, createdAt: r.createdAt }));
}

/**
 * Serialises membership changes of one group: a write of the group's row (same name) takes its row lock
 * on PostgreSQL (held to the end of the transaction, so a second admin's change waits and then
 * sees the first one's result) and the write lock on SQLite. Without it, two admins demoting each
 * other at once would each count two admins and leave none.
 */
async function lockGroup(tx: Tx, groupId: string): Promise<void> {
  // Through Prisma rather than raw SQL, which would miss the `?schema=` Prisma applies itself.
  const { name } = await tx.group.findUniqueOrThrow({ where: { id: groupId }, select: { name: true } });
  await tx.group.updateMany({ where: { id: groupId }, data: { name } });
}

async function memberByName(tx: Tx, groupId: string, username: string) {
  return tx.membership.findFirst({
    where: { groupId, user: { username } },
    select: { id: true, role: true, userId: true },
  });
}

const lastAdmin = () =>
  new AppError('LAST_ADMIN', 'A group always keeps at least one admin; make another member admin first', 409);

async function assertNotLastAdmin(tx: Tx, groupId: string): Promise<void> {
  if ((await tx.membership.count({ where: { groupId, role: 'admin' } })) <= 1) throw lastAdmin();
}

/**
 * Adds a member with this group's own credentials (docs/api/groups-and-members.md). A username
 * names an identity of one group: adding "carol" makes this group's carol, whatever other groups
 * call carol, so a password chosen elsewhere never signs in here and the answer is the same
 * whether or not the name exists elsewhere. Without a password, the answer carries a one-time
 * `setPasswordUrl` for the member. This group's own former member is added back as the same
 * identity, keeping their password (an admin never sets an existing identity's password).
 */
export async function addMember(
  deps: Pick<Deps, 'db' | 'config' | 'clock'>,
  caller: Caller,
  input: { username: string; password?: string | undefined; role: Role },
): Promise<Member & { setPasswordUrl: string | null }> {
  const groupId = caller.groupId;
  assertMayGrantRole(caller, input.role);
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  try {
    const added = await deps.db.$transaction(async (tx) => {
      await lockGroup(tx, groupId);
      if (await memberByName(tx, groupId, input.username)) {
        throw new AppError('ALREADY_A_MEMBER', `${input.username} is already a member of this group`, 409);
      }
      const own = await tx.user.findFirst({
        where: { homeGroupId: groupId, username: input.username },
        select: { id: true, passwordHash: true },
      });
      if (own && passwordHash) {
        throw validationFailed([
          { field: 'password', message: 'this former member keeps their own password: leave it out' },
        ]);
      }
      const userId = own?.id ?? newId('usr');
      if (!own)
        await tx.user.create({ data: { id: userId, username: input.username, passwordHash, homeGroupId: groupId } });
      const membership = await tx.membership.create({
        data: { id: newId('mem'), groupId, userId, role: input.role },
      });
      const needsPassword = !(own?.passwordHash ?? passwordHash);
      const setPasswordUrl = needsPassword ? await createPasswordSetup(tx, deps, { userId, groupId }) : null;
      return { userId, membership, setPasswordUrl };
    });
    await recordAudit(deps.db, {
      groupId,
      ...auditActor(caller),
      action: 'group.member.add',
      outcome: 'success',
      targetType: 'user',
      targetId: added.userId,
      details: { username: input.username, role: input.role, passwordSetLinkIssued: added.setPasswordUrl !== null },
    });
    return {
      userId: added.userId,
      username: input.username,
      role: added.membership.role,
      createdAt: added.membership.createdAt,
      setPasswordUrl: added.setPasswordUrl,
    };
  } catch (error) {
    // Another request added the same name to this group at the same moment.
    if (isUniqueViolation(error)) {
      throw new AppError('ALREADY_A_MEMBER', `${input.username} is already a member of this group`, 409);
    }
    throw error;
  }
}

/**
 * Changes a member's role (docs/api/groups-and-members.md `PATCH …/members/:username`). The caller must hold every
 * privilege of both the new role and the member's current one, and the group keeps an admin.
 * The change holds from the member's next request in every API process: the role version in
 * Redis (role-cache.ts) is bumped after the commit, before this answers.
 */
export async function changeMemberRole(
  deps: Pick<Deps, 'db' | 'redis'>,
  caller: Caller,
  username: string,
  role: Role,
): Promise<Member> {
  const groupId = caller.groupId;
  assertMayGrantRole(caller, role);
  const changed = await deps.db.$transaction(async (tx) => {
    await lockGroup(tx, groupId);
    const membership = await memberByName(tx, groupId, username);
    if (!membership) throw notFound('Member');
    const from = isRole(membership.role) ? membership.role : 'viewer';
    assertMayActOn(caller, from, username);
    if (from === 'admin' && role !== 'admin') await assertNotLastAdmin(tx, groupId);
    const updated = await tx.membership.update({ where: { id: membership.id }, data: { role } });
    return { userId: membership.userId, from, createdAt: updated.createdAt };
  });
  await bumpRoleVersion(deps.redis, changed.userId, groupId);
  await recordAudit(deps.db, {
    groupId,
    ...auditActor(caller),
    action: 'group.member.role',
    outcome: 'success',
    targetType: 'user',
    targetId: changed.userId,
    details: { username, from: changed.from, to: role },
  });
  return { userId: changed.userId, username, role, createdAt: changed.createdAt };
}

/**
 * Removes a member and revokes every authorization token they hold for this group, in every API
 * process (the "revoked before" mark in Redis). The group's last admin cannot be removed: nobody
 * could manage the group afterwards; nor can a caller remove a member who holds more than it.
 */
export async function removeMember(
  deps: Pick<Deps, 'db' | 'redis' | 'clock'>,
  caller: Caller,
  username: string,
): Promise<void> {
  const groupId = caller.groupId;
  const removed = await deps.db.$transaction(async (tx) => {
    await lockGroup(tx, groupId);
    const membership = await memberByName(tx, groupId, username);
    if (!membership) throw notFound('Member');
    assertMayActOn(caller, isRole(membership.role) ? membership.role : 'viewer', username);
    if (membership.role === 'admin') await assertNotLastAdmin(tx, groupId);
    await tx.membership.delete({ where: { id: membership.id } });
    return membership;
  });
  await revokeMemberTokens(deps.redis, removed.userId, groupId, deps.clock.now());
  const audit = { groupId, ...auditActor(caller), targetType: 'user', targetId: removed.userId } as const;
  await recordAudit(deps.db, {
    ...audit,
    action: 'group.member.remove',
    outcome: 'success',
    details: { username, role: removed.role },
  });
  await recordAudit(deps.db, {
    ...audit,
    action: 'auth.token.revoke',
    outcome: 'success',
    reason: 'MEMBER_REMOVED',
    details: { username, scope: 'all tokens of the member for this group' },
  });
}
