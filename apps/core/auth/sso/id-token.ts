import { decodeJwt, jwtVerify } from 'jose';
import type { Deps } from '../../deps.ts';
import { AppError, validationFailed } from '../../errors.ts';
import { findGroup } from '../../groups/lookup.ts';
import { type SignInResult, tokenMinutes } from '../tokens/issue.ts';
import { auditRefusedSignIn, issueSignedInMemberToken } from '../tokens/member-sign-in.ts';
import { claimOnce } from '../nonces.ts';
import { providerKeys, ssoClient } from './client.ts';
import { fromJoseError, ssoRefusal } from './errors.ts';
import { identityFromClaims, ssoMember } from './members.ts';

type ExchangeDeps = Pick<
  Deps,
  'db' | 'redis' | 'config' | 'dispatcher' | 'secretBox' | 'tokenSigningKey' | 'clock' | 'auth'
>;

// ID tokens are signed with the provider's asymmetric keys from its JWKS; HS* would need the client
// secret as the key and "none" is no signature at all (OIDC Core §3.1.3.7 steps 6–8).
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * `POST /v1/auth/token {idToken, group?}`: an ID token the group's OpenID Connect provider issued
 * to the group's client id, exchanged for an authorization token (for apps that ran their own
 * OIDC sign-in). Checked as OIDC Core §3.1.3.7 says: issuer is the configured one, `aud` names the
 * client id (and nothing else unless `azp` is it), signature by the provider's published keys, not
 * expired; each ID token is accepted once. The member is created on first use like SSO sign-in.
 */
export async function signInWithIdToken(
  deps: ExchangeDeps,
  input: { idToken: string; group?: string | undefined; duration?: number | undefined; ip: string },
): Promise<SignInResult> {
  const minutes = tokenMinutes(input.duration);
  let groupId: string | null = null;
  try {
    let unverified: ReturnType<typeof decodeJwt>;
    try {
      unverified = decodeJwt(input.idToken);
    } catch {
      throw ssoRefusal('ID_TOKEN_MALFORMED', 'The idToken is not a JWT');
    }
    const groupFilter = input.group === undefined ? undefined : await findGroup(deps.db, input.group);
    if (input.group !== undefined && !groupFilter) {
      throw ssoRefusal('ID_TOKEN_UNTRUSTED_ISSUER', `The group "${input.group}" does not trust this issuer`);
    }
    const candidates = await deps.db.ssoProvider.findMany({
      where: { issuer: String(unverified.iss ?? ''), ...(groupFilter ? { groupId: groupFilter.id } : {}) },
    });
    if (!candidates.length) {
      throw ssoRefusal('ID_TOKEN_UNTRUSTED_ISSUER', 'No group trusts the issuer of this ID token for sign-in');
    }
    // Refusals from here on concern the group that trusts this issuer (when only one does).
    if (candidates.length === 1) groupId = candidates[0]!.groupId;
    const audiences = typeof unverified.aud === 'string' ? [unverified.aud] : (unverified.aud ?? []);
    const matching = candidates.filter((c) => audiences.includes(c.clientId));
    if (!matching.length) {
      throw ssoRefusal(
        'ID_TOKEN_AUDIENCE',
        'The ID token was issued to another client (aud does not name this client id)',
      );
    }
    if (matching.length > 1) {
      throw validationFailed([{ field: 'group', message: 'required: several groups trust this issuer and client id' }]);
    }
    const provider = matching[0]!;
    groupId = provider.groupId;
    // OIDC Core §3.1.3.7 steps 3–5: other audiences are only acceptable with `azp` naming this client.
    if (audiences.length > 1 && unverified.azp !== provider.clientId) {
      throw ssoRefusal('ID_TOKEN_AUDIENCE', 'The ID token also names other audiences and no azp for this client');
    }

    const client = await ssoClient(deps, provider);
    const metadata = client.serverMetadata();
    if (!metadata.jwks_uri) {
      throw new AppError('SSO_PROVIDER_ERROR', 'The identity provider publishes no jwks_uri', 502);
    }
    const allowed = (metadata.id_token_signing_alg_values_supported ?? ['RS256']).filter((a) => ASYMMETRIC.includes(a));
    const now = deps.clock.now();
    let claims: Awaited<ReturnType<typeof jwtVerify>>['payload'];
    try {
      ({ payload: claims } = await jwtVerify(input.idToken, providerKeys(deps, metadata.jwks_uri), {
        issuer: provider.issuer,
        audience: provider.clientId,
        algorithms: allowed,
        currentDate: now,
        clockTolerance: 30,
        requiredClaims: ['sub', 'iat', 'exp'],
      }));
    } catch (error) {
      throw fromJoseError(error);
    }
    const ttl = (claims.exp as number) - Math.floor(now.getTime() / 1000) + 30;
    if (!(await claimOnce(deps.redis, 'id-token', input.idToken, ttl))) {
      throw ssoRefusal('ID_TOKEN_REUSED', 'This ID token was already exchanged; each ID token is accepted once');
    }

    const group = await deps.db.group.findUniqueOrThrow({ where: { id: provider.groupId } });
    const member = await ssoMember(deps, group, identityFromClaims(provider.issuer, claims));
    if (!member) {
      throw ssoRefusal('SSO_MEMBER_REMOVED', 'An admin removed this member from the group; ask them to add it again');
    }
    return await issueSignedInMemberToken(deps, {
      member,
      group: { id: group.id, name: group.name },
      minutes,
      ip: input.ip,
      details: () => ({ credential: 'id_token', issuer: provider.issuer, created: member.created, role: member.role }),
    });
  } catch (error) {
    if (error instanceof AppError && error.status < 500) {
      await auditRefusedSignIn(deps, {
        groupId,
        reason: error.code,
        ip: input.ip,
        details: { credential: 'id_token' },
      });
    }
    throw error;
  }
}
