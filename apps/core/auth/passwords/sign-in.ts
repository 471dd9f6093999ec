import { recordAudit } from '../../audit.ts';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../../crypto/hashing.ts';
import type { Deps } from '../../deps.ts';
import { AppError, unauthorized, validationFailed } from '../../errors.ts';
import { findGroup, type GroupRef } from '../../groups/lookup.ts';
import { isRole, type Role } from '../../groups/roles.ts';
import { findSignInIdentity } from './identity.ts';
import { issueMemberToken, type SignInResult, tokenMinutes } from '../tokens/issue.ts';
import { RateLimitedError, recordSignInSuccess, takeSignInAttempt } from '../sign-in-limiter.ts';

// The same words for an unknown name, a wrong password and a name several groups use without
// the group named (identity.ts): the answer tells nothing about other groups.
const INVALID_CREDENTIALS_MESSAGE = 'The username or password is wrong';

export interface PasswordSignIn {
  username: string;
  password: string;
  /** The group's name or id; may be left out when the user belongs to exactly one group. */
  group?: string | undefined;
  /** Token lifetime in minutes, 1–120 (default 20). */
  duration?: number | undefined;
  /** The caller's address, for rate limiting and the audit log. */
  ip: string;
}

type SignInDeps = Pick<Deps, 'db' | 'redis' | 'tokenSigningKey' | 'clock'>;

/**
 * Signs a member in with username and password for one group (`POST /v1/auth/token`, and the
 * console's sign-in form). Each attempt is taken from the limiter before the password is checked
 * (apps/core/auth/sign-in-limiter.ts) and refusals are audited; the answer to a wrong username and a wrong
 * password is the same, and takes the same time.
 */
export async function signInWithPassword(deps: SignInDeps, input: PasswordSignIn): Promise<SignInResult> {
  const minutes = tokenMinutes(input.duration);
  const attempt = { subject: input.username, ip: input.ip };
  const refuse = (reason: string, error: AppError, groupId: string | null = null, userId: string | null = null) =>
    recordAudit(deps.db, {
      groupId,
      actorType: userId ? 'user' : 'anonymous',
      actorId: userId,
      action: 'auth.token.issue',
      outcome: 'refused',
      reason,
      ip: input.ip,
      details: { credential: 'password', username: input.username },
    }).then(() => Promise.reject(error));

  try {
    await takeSignInAttempt(deps.redis, attempt);
  } catch (error) {
    if (error instanceof RateLimitedError) return refuse('RATE_LIMITED', error);
    throw error;
  }

  const user = await findSignInIdentity(deps.db, input.username, input.group);
  // Verify against a dummy hash when there is no user (or no password: SSO-only members) so
  // the answer takes as long either way and does not tell which usernames exist.
  const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user?.passwordHash || !passwordOk) {
    // The attempt taken above stays counted as this failure.
    return refuse(
      'INVALID_CREDENTIALS',
      unauthorized('INVALID_CREDENTIALS', INVALID_CREDENTIALS_MESSAGE),
      null,
      user?.id ?? null,
    );
  }
  await recordSignInSuccess(deps.redis, attempt);

  const membership = await chooseMembership(deps, user.id, input.group);
  if ('refusal' in membership) return refuse(membership.refusal.code, membership.refusal, null, user.id);

  const result = await issueMemberToken(
    deps,
    { userId: user.id, username: user.username, group: membership.group, role: membership.role },
    minutes,
  );
  await recordAudit(deps.db, {
    groupId: result.group.id,
    actorType: 'user',
    actorId: user.id,
    action: 'auth.token.issue',
    outcome: 'success',
    targetType: 'auth_token',
    targetId: result.claims.tokenId,
    ip: input.ip,
    details: { credential: 'password', role: result.role, expiresAt: result.claims.expiresAt.toISOString() },
  });
  return result;
}

type Chosen = { group: GroupRef; role: Role } | { refusal: AppError };

/** The named group when the user is a member of it; without a name, their only group. */
async function chooseMembership(deps: SignInDeps, userId: string, groupRef: string | undefined): Promise<Chosen> {
  const notAMember = (what: string) =>
    ({ refusal: new AppError('NOT_A_MEMBER', `You are not a member of ${what}`, 403) }) as const;
  if (groupRef !== undefined) {
    const group = await findGroup(deps.db, groupRef);
    const membership =
      group && (await deps.db.membership.findUnique({ where: { groupId_userId: { groupId: group.id, userId } } }));
    if (!group || !membership || !isRole(membership.role)) return notAMember(`the group "${groupRef}"`);
    return { group, role: membership.role };
  }
  const memberships = await deps.db.membership.findMany({
    where: { userId },
    select: { role: true, group: { select: { id: true, name: true } } },
    orderBy: { createdAt: 'asc' },
  });
  const only = memberships[0];
  if (memberships.length === 1 && only && isRole(only.role)) return { group: only.group, role: only.role };
  if (memberships.length === 0) return notAMember('any group');
  // Several groups: a token is for one group only (docs/api/authentication.md), so the caller must say which.
  throw validationFailed([
    {
      field: 'group',
      message: `required: you belong to several groups (${memberships.map((m) => m.group.name).join(', ')})`,
    },
  ]);
}
