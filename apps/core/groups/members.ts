import { recordAudit } from '../audit.ts';
import { revokeMemberTokens } from '../auth/tokens.ts';
import { hashPassword } from '../crypto/hashing.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound, validationFailed } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Role } from './roles.ts';
import { isUniqueViolation } from './unique-violation.ts';

export interface Member {
  userId: string;
  username: string;
  role: string;
  createdAt: Date;
}

/** Who did it, for the audit log. */
export interface Actor {
  userId?: string | undefined;
  ip?: string | undefined;
}

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
 * Adds a member: an existing user (usernames are global, a user may belong to several groups),
 * or a new user created with the given password. A password is refused for an existing user: an
 * admin of one group must not be able to set the password a user signs in to other groups with.
 */
export async function addMember(
  deps: Pick<Deps, 'db'>,
  groupId: string,
  input: { username: string; password?: string | undefined; role: Role },
  actor: Actor,
): Promise<Member & { userCreated: boolean }> {
  const existing = await deps.db.user.findUnique({ where: { username: input.username }, select: { id: true } });
  if (existing && input.password !== undefined) {
    throw validationFailed([
      { field: 'password', message: 'this user already exists and keeps their own password: leave it out' },
    ]);
  }
  if (!existing && input.password === undefined) {
    throw validationFailed([{ field: 'password', message: 'required to create the new user' }]);
  }
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  const userId = existing?.id ?? newId('usr');
  try {
    const membership = await deps.db.$transaction(async (tx) => {
      if (!existing) await tx.user.create({ data: { id: userId, username: input.username, passwordHash } });
      return tx.membership.create({ data: { id: newId('mem'), groupId, userId, role: input.role } });
    });
    await recordAudit(deps.db, {
      groupId,
      actorType: 'user',
      actorId: actor.userId,
      action: 'group.member.add',
      outcome: 'success',
      targetType: 'user',
      targetId: userId,
      ip: actor.ip,
      details: { username: input.username, role: input.role, userCreated: !existing },
    });
    return {
      userId,
      username: input.username,
      role: membership.role,
      createdAt: membership.createdAt,
      userCreated: !existing,
    };
  } catch (error) {
    // Either the membership exists, or another request created the same username just now.
    if (isUniqueViolation(error)) {
      throw new AppError('ALREADY_A_MEMBER', `${input.username} is already a member of this group`, 409);
    }
    throw error;
  }
}

/**
 * Removes a member and revokes every authorization token they hold for this group, in every API
 * process (the "revoked before" mark in Redis). The group's last admin cannot be removed: nobody
 * could manage the group afterwards.
 */
export async function removeMember(
  deps: Pick<Deps, 'db' | 'redis' | 'clock'>,
  groupId: string,
  username: string,
  actor: Actor,
): Promise<void> {
  const membership = await deps.db.membership.findFirst({
    where: { groupId, user: { username } },
    select: { id: true, role: true, userId: true },
  });
  if (!membership) throw notFound('Member');
  const removed = await deps.db.$transaction(async (tx) => {
    if (membership.role === 'admin' && (await tx.membership.count({ where: { groupId, role: 'admin' } })) <= 1) {
      throw new AppError(
        'LAST_ADMIN',
        'The last admin of a group cannot be removed; make another member admin first',
        409,
      );
    }
    return (await tx.membership.deleteMany({ where: { id: membership.id } })).count;
  });
  if (!removed) throw notFound('Member');
  await revokeMemberTokens(deps.redis, membership.userId, groupId, deps.clock.now());
  const audit = { groupId, actorType: 'user', actorId: actor.userId, ip: actor.ip, targetType: 'user' } as const;
  await recordAudit(deps.db, {
    ...audit,
    action: 'group.member.remove',
    outcome: 'success',
    targetId: membership.userId,
    details: { username, role: membership.role },
  });
  await recordAudit(deps.db, {
    ...audit,
    action: 'auth.token.revoke',
    outcome: 'success',
    reason: 'MEMBER_REMOVED',
    targetId: membership.userId,
    details: { username, scope: 'all tokens of the member for this group' },
  });
}
