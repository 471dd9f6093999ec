import { recordAudit } from '../../audit.ts';
import { hashPassword, sha256Hex } from '../../crypto/hashing.ts';
import type { Db } from '../../db/client.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { newId, randomToken } from '../../ids.ts';

/**
 * One-time links for a member added without a password (docs/api/groups-and-members.md): the
 * answer to `POST /v1/groups/:group/members` carries `setPasswordUrl`, which the admin hands to
 * the member; the member chooses the password on the console page it opens. The token is in the
 * URL's fragment, which browsers never send to a server nor put in a Referer (RFC 3986 §3.5), so
 * it stays out of access logs; only its SHA-256 is stored, and it works once, for 72 hours.
 */
export const PASSWORD_SETUP_LIFETIME_MS = 72 * 60 * 60 * 1000;
const TOKEN_PREFIX = 'pws_';

type Tx = Pick<Db, 'passwordSetup'>;

/** Creates a link for this member of this group and answers its URL. */
export async function createPasswordSetup(
  tx: Tx,
  deps: Pick<Deps, 'config' | 'clock'>,
  member: { userId: string; groupId: string },
): Promise<string> {
  const token = `${TOKEN_PREFIX}${randomToken(32)}`;
  const now = deps.clock.now();
  await tx.passwordSetup.create({
    data: {
      id: newId('pws'),
      userId: member.userId,
      groupId: member.groupId,
      tokenHash: sha256Hex(token),
      expiresAt: new Date(now.getTime() + PASSWORD_SETUP_LIFETIME_MS),
      createdAt: now,
    },
  });
  return `${deps.config.PUBLIC_URL}/console/set-password#token=${token}`;
}

const invalidLink = () =>
  new AppError(
    'PASSWORD_LINK_INVALID',
    'This link is not valid: it was used already, has expired, or was replaced; ask an admin of your group for a new one',
    400,
  );

/**
 * Sets the password of the link's member and spends the link (`POST /v1/auth/password-setup`).
 * Answers the member's username and group so the console can offer the sign-in.
 */
export async function completePasswordSetup(
  deps: Pick<Deps, 'db' | 'clock'>,
  input: { token: string; password: string; ip: string | undefined },
): Promise<{ username: string; group: { id: string; name: string } }> {
  if (!input.token.startsWith(TOKEN_PREFIX)) throw invalidLink();
  const now = deps.clock.now();
  const tokenHash = sha256Hex(input.token);
  const link = await deps.db.passwordSetup.findUnique({ where: { tokenHash } });
  if (!link || link.usedAt || link.expiresAt.getTime() <= now.getTime()) throw invalidLink();
  const passwordHash = await hashPassword(input.password);
  const done = await deps.db.$transaction(async (tx) => {
    // Spend the link first, conditionally: of two uses at once, exactly one updates it.
    const spent = await tx.passwordSetup.updateMany({
      where: { id: link.id, usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    if (spent.count !== 1) throw invalidLink();
    const membership = await tx.membership.findUnique({
      where: { groupId_userId: { groupId: link.groupId, userId: link.userId } },
      select: { user: { select: { username: true } }, group: { select: { id: true, name: true } } },
    });
    if (!membership) throw invalidLink();
    await tx.user.update({ where: { id: link.userId }, data: { passwordHash, passwordChangedAt: now } });
    // Any other link still open for this member is spent too: the password is chosen.
    await tx.passwordSetup.updateMany({ where: { userId: link.userId, usedAt: null }, data: { usedAt: now } });
    return membership;
  });
  await recordAudit(deps.db, {
    groupId: link.groupId,
    actorType: 'user',
    actorId: link.userId,
    action: 'auth.password.set',
    outcome: 'success',
    targetType: 'user',
    targetId: link.userId,
    ip: input.ip,
  });
  return { username: done.user.username, group: done.group };
}
