import { recordAudit } from '../../audit.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { currentRole, findGroup } from '../../groups/lookup.ts';
import type { Caller } from '../caller.ts';
import { type SignInResult, tokenMinutes } from './issue.ts';
import { issueAuthToken } from './tokens.ts';

/**
 * The console session traded for a bearer token (`POST /v1/auth/token` with the `authtoken` cookie,
 * `X-CSRF-Token` and `{duration?}`), what Glance calls a website session id: a page already signed
 * in to the console hands a token to code that cannot send the cookie (another origin's script, a
 * worker). The caller was authenticated by the cookie, CSRF included; the new token carries what the
 * session may do now (its privileges narrowed to the member's current role) and is a token of its
 * own, revoked on its own.
 */
export async function exchangeSession(
  deps: Pick<Deps, 'db' | 'tokenSigningKey' | 'clock'>,
  session: Caller,
  duration: number | undefined,
): Promise<SignInResult> {
  if (session.kind !== 'user' || session.via !== 'cookie') {
    throw new AppError('MEMBER_REQUIRED', 'Only a member’s console session can be traded for a token', 403);
  }
  const minutes = tokenMinutes(duration);
  const [group, role] = await Promise.all([
    findGroup(deps.db, session.groupId),
    currentRole(deps.db, session.id, session.groupId),
  ]);
  if (!group || !role) throw new AppError('NOT_A_MEMBER', 'You are no longer a member of this group', 403);
  const { token, claims } = await issueAuthToken(
    deps.tokenSigningKey,
    { userId: session.id, groupId: session.groupId, privileges: session.privileges },
    minutes,
    deps.clock.now(),
  );
  await recordAudit(deps.db, {
    groupId: group.id,
    actorType: 'user',
    actorId: session.id,
    action: 'auth.token.issue',
    outcome: 'success',
    targetType: 'auth_token',
    targetId: claims.tokenId,
    ip: session.ip,
    details: { credential: 'session', sessionTokenId: session.tokenId, expiresAt: claims.expiresAt.toISOString() },
  });
  return { token, claims, group, role };
}
