import {
  authorizationCodeGrant,
  buildAuthorizationUrl,
  calculatePKCECodeChallenge,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
} from 'openid-client';
import { secretContext } from '../../crypto/contexts.ts';
import { safeEqual, sha256Hex } from '../../crypto/hashing.ts';
import type { Deps } from '../../deps.ts';
import { AppError, notFound } from '../../errors.ts';
import { findGroup } from '../../groups/lookup.ts';
import { randomToken } from '../../ids.ts';
import type { SignInResult } from '../tokens/issue.ts';
import { auditRefusedSignIn, issueSignedInMemberToken } from '../tokens/member-sign-in.ts';
import { ssoClient, ssoRedirectUri } from './client.ts';
import { fromOpenIdClientError, ssoRefusal } from './errors.ts';
import { identityFromClaims, ssoMember } from './members.ts';

/**
 * "Sign in with SSO" on the console: the OpenID Connect authorization-code flow with openid-client
 * (OIDC Core §3.1) with PKCE S256 (RFC 7636), a nonce bound into the ID token, and a state that
 * is single use, lives ten minutes, is kept only as a hash in Redis and is bound to the browser
 * that started it by a random cookie value (so a code injected into another browser is refused).
 */

type LoginDeps = Pick<
  Deps,
  'db' | 'redis' | 'config' | 'dispatcher' | 'secretBox' | 'tokenSigningKey' | 'clock' | 'auth'
>;

export const SSO_LOGIN_TTL_SECONDS = 600;
const loginKey = (stateHash: string) => `sso:login:${stateHash}`;

interface PendingLogin {
  groupId: string;
  /** Where the console goes after sign-in (already checked by the caller). */
  next: string;
  nonce: string;
  codeVerifierEnc: string;
  bindingHash: string;
}

/** Starts a sign-in for a group: the provider URL to redirect to and the browser-binding value for a cookie. */
export async function startSsoSignIn(
  deps: LoginDeps,
  input: { group: string; next: string },
): Promise<{ authorizationUrl: URL; binding: string }> {
  const groupRef = input.group;
  const group = await findGroup(deps.db, groupRef);
  const provider = group && (await deps.db.ssoProvider.findUnique({ where: { groupId: group.id } }));
  if (!group || !provider) throw notFound(`SSO sign-in for the group "${groupRef}"`);
  const client = await ssoClient(deps, provider);
  const state = randomState();
  const nonce = randomNonce();
  const codeVerifier = randomPKCECodeVerifier();
  const binding = randomToken(32);
  const stateHash = sha256Hex(state);
  const pending: PendingLogin = {
    groupId: group.id,
    next: input.next,
    nonce,
    codeVerifierEnc: deps.secretBox.encrypt(codeVerifier, secretContext.ssoCodeVerifier(stateHash)),
    bindingHash: sha256Hex(binding),
  };
  await deps.redis.set(loginKey(stateHash), JSON.stringify(pending), 'EX', SSO_LOGIN_TTL_SECONDS);
  const authorizationUrl = buildAuthorizationUrl(client, {
    redirect_uri: ssoRedirectUri(deps.config),
    scope: 'openid email profile',
    state,
    nonce,
    code_challenge: await calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  });
  return { authorizationUrl, binding };
}

/**
 * Completes a sign-in at the redirect URI: takes the state (once), checks the browser binding,
 * exchanges the code with the verifier and checks the ID token (issuer, audience, expiry, nonce,
 * and its signature against the provider's keys), then signs the member in, creating them with
 * the group's default role on first sign-in. Every refusal is audited with its reason.
 */
export async function finishSsoSignIn(
  deps: LoginDeps,
  input: { callbackUrl: URL; binding: string | undefined; ip: string },
): Promise<SignInResult & { next: string }> {
  let groupId: string | null = null;
  try {
    const state = input.callbackUrl.searchParams.get('state');
    if (!state) throw ssoRefusal('SSO_STATE_MISSING', 'The provider sent no state back; start the sign-in again');
    const stateHash = sha256Hex(state);
    // GETDEL: the state is used up by the first callback that presents it (Redis 6.2+).
    const stored = await deps.redis.getdel(loginKey(stateHash));
    if (!stored) {
      throw ssoRefusal('SSO_STATE_UNKNOWN', 'This sign-in expired or was already completed; start it again');
    }
    const pending = JSON.parse(stored) as PendingLogin;
    groupId = pending.groupId;
    if (!input.binding || !safeEqual(sha256Hex(input.binding), pending.bindingHash)) {
      throw ssoRefusal('SSO_BROWSER_MISMATCH', 'This sign-in was started in another browser; start it again here');
    }
    const provider = await deps.db.ssoProvider.findUnique({ where: { groupId } });
    const group = await deps.db.group.findUnique({ where: { id: groupId } });
    if (!provider || !group) throw ssoRefusal('SSO_NOT_CONFIGURED', 'SSO is no longer configured for this group');
    const client = await ssoClient(deps, provider);
    const codeVerifier = deps.secretBox.decrypt(pending.codeVerifierEnc, secretContext.ssoCodeVerifier(stateHash));
    let claims: Record<string, unknown>;
    try {
      const tokens = await authorizationCodeGrant(client, input.callbackUrl, {
        pkceCodeVerifier: codeVerifier,
        expectedNonce: pending.nonce,
        expectedState: state,
        idTokenExpected: true,
      });
      claims = (tokens.claims() ?? {}) as Record<string, unknown>;
    } catch (error) {
      throw fromOpenIdClientError(error);
    }
    const member = await ssoMember(deps, group, identityFromClaims(String(claims.iss), claims));
    if (!member) {
      throw ssoRefusal('SSO_MEMBER_REMOVED', 'An admin removed you from this group; ask them to add you again');
    }
    const result = await issueSignedInMemberToken(deps, {
      member,
      group: { id: group.id, name: group.name },
      minutes: undefined,
      ip: input.ip,
      details: () => ({ credential: 'sso', issuer: provider.issuer, created: member.created, role: member.role }),
    });
    return { ...result, next: pending.next };
  } catch (error) {
    const refusal = error instanceof AppError ? error : fromOpenIdClientError(error);
    await auditRefusedSignIn(deps, { groupId, reason: refusal.code, ip: input.ip, details: { credential: 'sso' } });
    throw refusal;
  }
}
