import type { Deps } from '../../deps.ts';
import { unauthorized } from '../../errors.ts';
import { ROLE_PRIVILEGES } from '../../groups/roles.ts';
import { storedPrivileges } from '../api-keys/api-keys.ts';
import type { Caller } from '../caller.ts';
import { accessTokenKey } from './redis-storage.ts';

/**
 * An app's access token (docs/api/third-party-apps.md) as a `/v1` credential: an opaque value of
 * 43 base64url characters, told apart from the connector's own tokens (JWTs, with dots) by its
 * shape. It is looked up where oidc-provider stored it (redis-storage.ts), then its consent row:
 * the token acts for the consenting member in the consent's group, with the privileges it carries
 * ∩ the app's ∩ the member's current role, read on every request (as for a member's own token),
 * so a withdrawn consent, a deleted app or a removed member stops it at once in every process.
 */

const APP_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export const isAppToken = (token: string) => APP_TOKEN.test(token);

/** What oidc-provider stores for an opaque access token (the part read here). */
interface StoredAccessToken {
  accountId?: string;
  clientId?: string;
  grantId?: string;
  scope?: string;
  iat?: number;
  exp?: number;
}

type AppTokenDeps = Pick<Deps, 'db' | 'clock' | 'auth'>;

export async function appTokenCaller(deps: AppTokenDeps, token: string, ip: string | undefined): Promise<Caller> {
  // The same coalesced MGET as the other Redis reads of authentication.
  const [stored] = await deps.auth.reads.mget([accessTokenKey(token)]);
  if (!stored) throw unauthorized('TOKEN_INVALID', 'The access token is not valid (unknown, revoked or expired)');
  const claims = JSON.parse(stored) as StoredAccessToken;
  const now = deps.clock.now().getTime();
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now) {
    throw unauthorized('TOKEN_EXPIRED', 'The access token has expired; refresh it');
  }
  if (!claims.grantId || !claims.accountId) throw unauthorized('TOKEN_INVALID', 'The access token is not valid');
  const consent = await deps.db.appAuthorization.findUnique({
    where: { grantId: claims.grantId },
    select: { groupId: true, userId: true, privileges: true, app: { select: { clientId: true, privileges: true } } },
  });
  if (!consent || consent.userId !== claims.accountId || consent.app.clientId !== claims.clientId) {
    throw unauthorized('TOKEN_REVOKED', 'The app’s authorization was withdrawn or the app was deleted');
  }
  const member = { userId: consent.userId, groupId: consent.groupId };
  const version = await deps.auth.roles.readVersion(member.userId, member.groupId);
  const role = await deps.auth.roles.cachedRole(
    { ...member, tokenIssuedAt: new Date((claims.iat ?? 0) * 1000) },
    version,
  );
  if (!role) throw unauthorized('TOKEN_REVOKED', 'You are no longer a member of this group; the token was revoked');
  const scopes = new Set((claims.scope ?? '').split(' '));
  const app = storedPrivileges(consent.app.privileges);
  const consented = storedPrivileges(consent.privileges);
  const privileges = ROLE_PRIVILEGES[role].filter((p) => scopes.has(p) && app.includes(p) && consented.includes(p));
  return { groupId: consent.groupId, kind: 'user', id: consent.userId, privileges, ip, via: 'bearer' };
}
