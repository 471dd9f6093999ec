import { secretContext } from '../../crypto/contexts.ts';
import type { Deps } from '../../deps.ts';
import { AppError, type UnauthorizedCode, unauthorized } from '../../errors.ts';
import { currentRole } from '../../groups/lookup.ts';
import { isRole, type Role } from '../../groups/roles.ts';
import { newId } from '../../ids.ts';
import { type SignInResult, tokenMinutes } from '../tokens/issue.ts';
import { checkLoginKey, consumeLoginKey, LOGIN_KEY_REFUSAL_MESSAGES, loginKeyAttempt } from '../login-keys.ts';
import { auditRefusedSignIn, issueSignedInMemberToken } from '../tokens/member-sign-in.ts';
import { RateLimitedError, recordSignInSuccess, takeSignInAttempt } from '../sign-in-limiter.ts';

type LoginDeps = Pick<Deps, 'db' | 'redis' | 'secretBox' | 'tokenSigningKey' | 'clock'>;

/** A partner's user id: what the partner calls its user (letters, digits and `._@+-`, up to 64). */
export const PARTNER_USER_ID = /^[A-Za-z0-9._@+-]{1,64}$/;

/**
 * Signs in a user a partner's server vouches for (`POST /v1/auth/token {partnerId,
 * partnerUserId, loginKey}`). The login key is the partner's HMAC over the partner id, the
 * partner's user id and an expiry (apps/core/auth/sign-request.ts `partnerLoginKey`). On first sign-in the user
 * becomes a member of the partner's group with the partner's role (just in time); a partner user
 * an admin has since removed from the group stays out.
 */
export async function signInWithPartnerLoginKey(
  deps: LoginDeps,
  input: { partnerId: string; partnerUserId: string; loginKey: string; duration?: number | undefined; ip: string },
): Promise<SignInResult> {
  const minutes = tokenMinutes(input.duration);
  const now = deps.clock.now();
  const audit = (code: string, groupId: string | null) =>
    auditRefusedSignIn(deps, {
      groupId,
      reason: code,
      ip: input.ip,
      details: { credential: 'partner_login_key', partnerId: input.partnerId, partnerUserId: input.partnerUserId },
    });
  const refuse = async (code: UnauthorizedCode, message: string, groupId: string | null): Promise<never> => {
    await audit(code, groupId);
    throw unauthorized(code, message);
  };

  // The attempt is taken before anything about the partner is checked (apps/core/auth/sign-in-limiter.ts); every
  // refusal up to the accepted login key leaves it counted as a failure.
  const attempt = loginKeyAttempt(input, input.ip);
  try {
    await takeSignInAttempt(deps.redis, attempt);
  } catch (error) {
    if (error instanceof RateLimitedError) await audit('RATE_LIMITED', null);
    throw error;
  }

  const partner = await deps.db.partner.findUnique({ where: { id: input.partnerId } });
  if (!partner) return refuse('PARTNER_UNKNOWN', 'No partner has this partnerId', null);
  if (partner.revokedAt) return refuse('PARTNER_REVOKED', 'This partner has been revoked', partner.groupId);
  const secret = deps.secretBox.decrypt(partner.secretEnc, secretContext.partnerSecret(partner.id));
  const checked = checkLoginKey(secret, [partner.id, input.partnerUserId], input.loginKey, now);
  if ('refusal' in checked) {
    return refuse(checked.refusal, LOGIN_KEY_REFUSAL_MESSAGES[checked.refusal], partner.groupId);
  }
  if (!(await consumeLoginKey(deps.redis, input.loginKey, checked.expiresAt, now))) {
    // A replay stays a failure, so one captured key cannot reset the count between guesses.
    return refuse('LOGIN_KEY_REUSED', LOGIN_KEY_REFUSAL_MESSAGES.LOGIN_KEY_REUSED, partner.groupId);
  }
  await recordSignInSuccess(deps.redis, attempt);

  const member = await partnerMember(deps, partner, input.partnerUserId);
  if (!member) {
    return refuse(
      'PARTNER_USER_REMOVED',
      'An admin removed this partner user from the group; ask them to add the member again',
      partner.groupId,
    );
  }
  const group = await deps.db.group.findUniqueOrThrow({
    where: { id: partner.groupId },
    select: { id: true, name: true },
  });
  return issueSignedInMemberToken(deps, {
    member,
    group,
    minutes,
    ip: input.ip,
    details: (result) => ({
      credential: 'partner_login_key',
      partnerId: partner.id,
      partnerUserId: input.partnerUserId,
      created: member.created,
      expiresAt: result.claims.expiresAt.toISOString(),
    }),
  });
}

interface PartnerMember {
  userId: string;
  username: string;
  role: Role;
  created: boolean;
}

/** The member behind a partner user, created with the partner's role on first sign-in; null when removed. */
async function partnerMember(
  deps: Pick<Deps, 'db'>,
  partner: { id: string; groupId: string; role: string },
  partnerUserId: string,
): Promise<PartnerMember | null> {
  const linked = async () => {
    const link = await deps.db.partnerUser.findUnique({
      where: { partnerId_externalId: { partnerId: partner.id, externalId: partnerUserId } },
    });
    if (!link) return undefined;
    const user = await deps.db.user.findUniqueOrThrow({ where: { id: link.userId }, select: { username: true } });
    const role = await currentRole(deps.db, link.userId, partner.groupId);
    return role ? { userId: link.userId, username: user.username, role, created: false } : null;
  };
  const existing = await linked();
  if (existing !== undefined) return existing;
  if (!isRole(partner.role)) return null;
  const role = partner.role;
  // Usernames are per group; the partner id keeps two partners' "alice" apart.
  const username = `${partnerUserId}@${partner.id}`;
  const userId = newId('usr');
  try {
    await deps.db.$transaction(async (tx) => {
      await tx.user.create({ data: { id: userId, username, homeGroupId: partner.groupId } });
      await tx.membership.create({ data: { id: newId('mem'), groupId: partner.groupId, userId, role } });
      await tx.partnerUser.create({
        data: { id: newId('pus'), partnerId: partner.id, externalId: partnerUserId, userId },
      });
    });
  } catch (error) {
    // Two first sign-ins at once: the unique (partner, external id) lets one win; use its member.
    const winner = await linked();
    if (winner !== undefined) return winner;
    // Never adopt an existing user by name: anyone allowed to create users could have made it.
    throw new AppError('PARTNER_USERNAME_TAKEN', `The username "${username}" belongs to another user`, 409, {
      cause: error,
    });
  }
  return { userId, username, role, created: true };
}
