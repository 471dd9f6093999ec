import { recordAudit } from '../../audit.ts';
import type { Deps } from '../../deps.ts';
import { AppError, forbidden, unauthorized } from '../../errors.ts';
import { isRole, ROLE_PRIVILEGES } from '../../groups/roles.ts';
import { checkLoginKey, consumeLoginKey, LOGIN_KEY_REFUSAL_MESSAGES, loginKeyAttempt } from '../login-keys.ts';
import { RateLimitedError, recordSignInSuccess, takeSignInAttempt } from '../sign-in-limiter.ts';
import { type SignInResult, tokenMinutes } from '../tokens/issue.ts';
import { issueAuthToken } from '../tokens/tokens.ts';
import { loadUsableKey } from './api-keys.ts';
import { KEY_REFUSALS } from './login.ts';

/**
 * A member login key (`POST /v1/auth/token {username, keyId, loginKey}`): a server that holds an
 * API key with `members:sign-in` vouches for one member of the key's group, as a partner does for
 * its users, without the member's password. The login key is HMAC-SHA256 with the key's secret over
 * the key id, the username and an expiry (login-keys.ts; sign-request.ts `memberLoginKey`). The
 * token is the member's (their role is checked on every request), carrying the member's role
 * narrowed to the key's privileges: a key cannot sign anyone in with more than it holds itself.
 */
export const MEMBER_SIGN_IN_PRIVILEGE = 'members:sign-in';

type LoginDeps = Pick<Deps, 'db' | 'redis' | 'secretBox' | 'tokenSigningKey' | 'clock'>;

export async function signInMemberWithLoginKey(
  deps: LoginDeps,
  input: { username: string; keyId: string; loginKey: string; duration?: number | undefined; ip: string },
): Promise<SignInResult> {
  const minutes = tokenMinutes(input.duration);
  const now = deps.clock.now();
  const details = { credential: 'member_login_key', keyId: input.keyId, username: input.username };
  const refuse = async (error: AppError, groupId: string | null, known: boolean): Promise<never> => {
    await recordAudit(deps.db, {
      groupId,
      actorType: known ? 'api_key' : 'anonymous',
      actorId: known ? input.keyId : null,
      action: 'auth.token.issue',
      outcome: 'refused',
      reason: error.code,
      ip: input.ip,
      details,
    });
    throw error;
  };

  // Taken before anything is checked, as for every login key (apps/core/auth/sign-in-limiter.ts).
  const attempt = loginKeyAttempt({ apiKeyId: input.keyId }, input.ip);
  try {
    await takeSignInAttempt(deps.redis, attempt);
  } catch (error) {
    if (error instanceof RateLimitedError) await refuse(error, null, false);
    throw error;
  }

  const loaded = await loadUsableKey(deps, input.keyId);
  if ('refusal' in loaded) {
    const [code, message] = KEY_REFUSALS[loaded.refusal];
    return refuse(unauthorized(code, message), loaded.groupId ?? null, loaded.refusal !== 'UNKNOWN');
  }
  const { key } = loaded;
  const checked = checkLoginKey(key.secret, [key.id, input.username], input.loginKey, now);
  if ('refusal' in checked) {
    return refuse(unauthorized(checked.refusal, LOGIN_KEY_REFUSAL_MESSAGES[checked.refusal]), key.groupId, true);
  }
  if (!key.privileges.includes(MEMBER_SIGN_IN_PRIVILEGE)) {
    return refuse(forbidden(`This API key does not hold ${MEMBER_SIGN_IN_PRIVILEGE}`), key.groupId, true);
  }
  if (!(await consumeLoginKey(deps.redis, input.loginKey, checked.expiresAt, now))) {
    const reused = 'LOGIN_KEY_REUSED' as const;
    return refuse(unauthorized(reused, LOGIN_KEY_REFUSAL_MESSAGES[reused]), key.groupId, true);
  }
  await recordSignInSuccess(deps.redis, attempt);

  const membership = await deps.db.membership.findFirst({
    where: { groupId: key.groupId, user: { username: input.username } },
    select: { role: true, userId: true, group: { select: { id: true, name: true } } },
  });
  if (!membership || !isRole(membership.role)) {
    return refuse(
      new AppError('NOT_A_MEMBER', 'No member of the key’s group has this username', 403),
      key.groupId,
      true,
    );
  }
  const privileges = ROLE_PRIVILEGES[membership.role].filter((p) => key.privileges.includes(p));
  // The token never outlives the key that vouched for it.
  const minutesLeft = key.expiresAt ? Math.floor((key.expiresAt.getTime() - now.getTime()) / 60_000) : minutes;
  if (minutesLeft < 1) {
    return refuse(unauthorized('API_KEY_EXPIRED', 'This API key expires within a minute'), key.groupId, true);
  }
  const { token, claims } = await issueAuthToken(
    deps.tokenSigningKey,
    { userId: membership.userId, groupId: key.groupId, privileges },
    Math.min(minutes, minutesLeft),
    now,
  );
  // Both are named: the key that vouched (actor) and the member the token is for.
  await recordAudit(deps.db, {
    groupId: key.groupId,
    actorType: 'api_key',
    actorId: key.id,
    action: 'auth.token.issue',
    outcome: 'success',
    targetType: 'auth_token',
    targetId: claims.tokenId,
    ip: input.ip,
    details: {
      ...details,
      userId: membership.userId,
      role: membership.role,
      expiresAt: claims.expiresAt.toISOString(),
    },
  });
  return { token, claims, group: membership.group, role: membership.role };
}
