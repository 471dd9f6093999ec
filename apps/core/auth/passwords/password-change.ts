import { recordAudit } from '../../audit.ts';
import { hashPassword, verifyPassword } from '../../crypto/hashing.ts';
import type { Deps } from '../../deps.ts';
import { AppError, validationFailed } from '../../errors.ts';
import { RateLimitedError, recordSignInSuccess, takeSignInAttempt } from '../sign-in-limiter.ts';
import { revokeMemberTokens } from '../tokens/tokens.ts';

/**
 * Changes a member's own password and revokes every authorization token they hold, in every
 * group and every API process (Redis "revoked before" per member and group): whoever learned
 * the old password loses the sessions they opened with it. The caller signs in again. Each
 * check of the current password takes an attempt from the same limiter as sign-ins first
 * (apps/core/auth/sign-in-limiter.ts), so a stolen session cannot guess the password faster than a sign-in could.
 */
export async function changePassword(
  deps: Pick<Deps, 'db' | 'redis' | 'clock'>,
  input: { userId: string; groupId: string; currentPassword: string; newPassword: string; ip: string },
): Promise<{ groupsSignedOut: number }> {
  const user = await deps.db.user.findUniqueOrThrow({
    where: { id: input.userId },
    select: { id: true, username: true, passwordHash: true },
  });
  if (!user.passwordHash) {
    throw new AppError('PASSWORD_NOT_SET', 'This account signs in through SSO or a partner and has no password', 409);
  }
  const attempt = { subject: user.username, ip: input.ip };
  const refused = (reason: string) =>
    recordAudit(deps.db, {
      groupId: input.groupId,
      actorType: 'user',
      actorId: user.id,
      action: 'auth.password.change',
      outcome: 'refused',
      reason,
      targetType: 'user',
      targetId: user.id,
      ip: input.ip,
    });
  try {
    await takeSignInAttempt(deps.redis, attempt);
  } catch (error) {
    if (error instanceof RateLimitedError) await refused('RATE_LIMITED');
    throw error;
  }
  if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
    // The attempt taken above stays counted as this failure.
    await refused('INVALID_CREDENTIALS');
    throw validationFailed([{ field: 'currentPassword', message: 'is not your current password' }]);
  }
  await recordSignInSuccess(deps.redis, attempt);
  if (input.newPassword === input.currentPassword) {
    throw validationFailed([{ field: 'newPassword', message: 'must differ from the current password' }]);
  }
  const now = deps.clock.now();
  await deps.db.user.update({
    where: { id: user.id },
    data: { passwordHash: await hashPassword(input.newPassword), passwordChangedAt: now },
  });
  const memberships = await deps.db.membership.findMany({ where: { userId: user.id }, select: { groupId: true } });
  for (const { groupId } of memberships) await revokeMemberTokens(deps.redis, user.id, groupId, now);
  await recordAudit(deps.db, {
    groupId: input.groupId,
    actorType: 'user',
    actorId: user.id,
    action: 'auth.password.change',
    outcome: 'success',
    targetType: 'user',
    targetId: user.id,
    ip: input.ip,
  });
  for (const { groupId } of memberships) {
    await recordAudit(deps.db, {
      groupId,
      actorType: 'user',
      actorId: user.id,
      action: 'auth.token.revoke',
      outcome: 'success',
      reason: 'PASSWORD_CHANGED',
      targetType: 'user',
      targetId: user.id,
      ip: input.ip,
    });
  }
  return { groupsSignedOut: memberships.length };
}
