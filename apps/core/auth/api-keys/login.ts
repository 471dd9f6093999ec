import { recordAudit } from '../../audit.ts';
import type { Deps } from '../../deps.ts';
import { type UnauthorizedCode, unauthorized } from '../../errors.ts';
import type { Privilege } from '../../groups/roles.ts';
import { loadUsableKey } from './api-keys.ts';
import type { SignInResult } from '../tokens/issue.ts';
import { tokenMinutes } from '../tokens/issue.ts';
import {
  checkLoginKey,
  consumeLoginKey,
  LOGIN_KEY_REFUSAL_MESSAGES,
  type LoginKeyRefusal,
  loginKeyAttempt,
} from '../login-keys.ts';
import { RateLimitedError, recordSignInSuccess, takeSignInAttempt } from '../sign-in-limiter.ts';
import { type AuthTokenClaims, issueAuthToken } from '../tokens/tokens.ts';

/**
 * A server API key's login key exchanged for an authorization token (`POST /v1/auth/token
 * {keyId, loginKey}`), for callers that would rather hold a short-lived bearer token than sign
 * every request. The token acts as the key: its subject is the key id, its privileges the key's,
 * it never outlives the key, and revoking the key revokes it (`revokeMemberTokens` on the key id).
 */

/** Token subjects that are API keys, not users (ids from apps/core/ids.ts). */
export const API_KEY_SUBJECT_PREFIX = 'apk_';

type LoginDeps = Pick<Deps, 'db' | 'redis' | 'secretBox' | 'tokenSigningKey' | 'clock'>;

/** Why an API key cannot sign anything in: code and message (also for member login keys, member-login.ts). */
export const KEY_REFUSALS = {
  UNKNOWN: ['API_KEY_UNKNOWN', 'No API key has this keyId'],
  REVOKED: ['API_KEY_REVOKED', 'This API key has been revoked'],
  EXPIRED: ['API_KEY_EXPIRED', 'This API key has expired'],
} as const;

/** Checks the login key and issues a token for the key's group, with the key's privileges. */
export async function signInWithApiKeyLoginKey(
  deps: LoginDeps,
  input: { keyId: string; loginKey: string; duration?: number | undefined; ip: string },
): Promise<SignInResult> {
  const minutes = tokenMinutes(input.duration);
  const now = deps.clock.now();
  const audit = (code: string, groupId: string | null, known: boolean) =>
    recordAudit(deps.db, {
      groupId,
      actorType: known ? 'api_key' : 'anonymous',
      actorId: known ? input.keyId : null,
      action: 'auth.token.issue',
      outcome: 'refused',
      reason: code,
      ip: input.ip,
      details: { credential: 'api_key_login_key', keyId: input.keyId },
    });
  const refuse = async (
    code: UnauthorizedCode,
    message: string,
    groupId: string | null,
    known: boolean,
  ): Promise<never> => {
    await audit(code, groupId, known);
    throw unauthorized(code, message);
  };

  // The attempt is taken before anything about the key is checked (apps/core/auth/sign-in-limiter.ts); every
  // refusal below leaves it counted as a failure.
  const attempt = loginKeyAttempt({ apiKeyId: input.keyId }, input.ip);
  try {
    await takeSignInAttempt(deps.redis, attempt);
  } catch (error) {
    if (error instanceof RateLimitedError) await audit('RATE_LIMITED', null, false);
    throw error;
  }

  const loaded = await loadUsableKey(deps, input.keyId);
  if ('refusal' in loaded) {
    const [code, message] = KEY_REFUSALS[loaded.refusal];
    return refuse(code, message, loaded.groupId ?? null, loaded.refusal !== 'UNKNOWN');
  }
  const { key } = loaded;
  const checked = checkLoginKey(key.secret, [key.id], input.loginKey, now);
  const loginKeyRefusal = (reason: LoginKeyRefusal) =>
    refuse(reason, LOGIN_KEY_REFUSAL_MESSAGES[reason], key.groupId, true);
  if ('refusal' in checked) return loginKeyRefusal(checked.refusal);
  if (!(await consumeLoginKey(deps.redis, input.loginKey, checked.expiresAt, now))) {
    // A replayed key proves nothing new, so it stays a failure: otherwise replaying one captured
    // key would reset the count between guesses.
    return loginKeyRefusal('LOGIN_KEY_REUSED');
  }
  await recordSignInSuccess(deps.redis, attempt);

  // The token never outlives its key: whole minutes left on the key cap the requested lifetime.
  const minutesLeft = key.expiresAt ? Math.floor((key.expiresAt.getTime() - now.getTime()) / 60_000) : minutes;
  if (minutesLeft < 1) return refuse('API_KEY_EXPIRED', 'This API key expires within a minute', key.groupId, true);
  const { token, claims } = await issueAuthToken(
    deps.tokenSigningKey,
    { userId: key.id, groupId: key.groupId, privileges: key.privileges },
    Math.min(minutes, minutesLeft),
    now,
  );
  const group = await deps.db.group.findUniqueOrThrow({ where: { id: key.groupId }, select: { id: true, name: true } });
  await recordAudit(deps.db, {
    groupId: key.groupId,
    actorType: 'api_key',
    actorId: key.id,
    action: 'auth.token.issue',
    outcome: 'success',
    targetType: 'auth_token',
    targetId: claims.tokenId,
    ip: input.ip,
    details: { credential: 'api_key_login_key', expiresAt: claims.expiresAt.toISOString() },
  });
  return { token, claims, group, role: null };
}

/** What an API key's authorization token may do now: the key must still be usable. */
export async function apiKeyTokenPrivileges(
  deps: Pick<Deps, 'db' | 'secretBox' | 'clock'>,
  claims: AuthTokenClaims,
): Promise<Privilege[]> {
  const loaded = await loadUsableKey(deps, claims.userId);
  if ('refusal' in loaded || loaded.key.groupId !== claims.groupId) {
    throw unauthorized('TOKEN_REVOKED', 'The API key behind this token was revoked or has expired');
  }
  const held = loaded.key.privileges;
  return claims.privileges.filter((p) => held.includes(p));
}
